import KMem
@testable import KMemHarness
import Testing

/// The soak: passes on one engine with the audit and footprint readings between them, and
/// the fit that says whether a reading grows.
@Suite("soak") struct SoakTests {
    @Test("the trend's slope and 95% interval are the least-squares fit's, pinned on fixed readings")
    func trendPinned() throws {
        let noisy = try #require(FootprintTrend(minutes: [0, 1, 2, 3, 4], bytes: [10, 12, 9, 11, 10]))
        // Sxx = 10, Sxy = -1, residual sum of squares 5.1 on 3 degrees of freedom, t = 3.182.
        #expect(abs(noisy.slope - -0.1) < 1e-12)
        #expect(abs(noisy.slopeHalfWidth - 3.182 * (5.1 / 3 / 10).squareRoot()) < 1e-9)
        #expect(noisy.mean == 10.4 && noisy.readings == 5 && noisy.verdict == .flat)
        let leak = try #require(FootprintTrend(minutes: [0, 1, 2, 3], bytes: [100, 110, 120, 130]))
        #expect(leak.slope == 10 && leak.slopeHalfWidth == 0 && leak.verdict == .grows)
        let settling = try #require(FootprintTrend(minutes: [0, 1, 2, 3], bytes: [1e9, 1e9 + 1, 1e9 + 2, 1e9 + 3]))
        #expect(settling.slope > 0 && settling.verdict == .flat, "a byte a minute on a gigabyte is no growth worth a flag")
        let draining = try #require(FootprintTrend(minutes: [0, 1, 2], bytes: [300, 200, 100]))
        #expect(draining.verdict == .shrinks)
    }

    @Test("no trend from fewer than three readings or readings at one time")
    func trendNeedsReadings() {
        #expect(FootprintTrend(minutes: [0, 1], bytes: [1, 2]) == nil)
        #expect(FootprintTrend(minutes: [2, 2, 2], bytes: [1, 2, 3]) == nil)
    }

    @Test("Student's t quantile: the table, and the approximation beyond it within 0.005")
    func tQuantile() {
        #expect(FootprintTrend.t975(degreesOfFreedom: 1) == 12.706 && FootprintTrend.t975(degreesOfFreedom: 30) == 2.042)
        for (df, exact) in [(40, 2.021), (60, 2.000), (120, 1.980), (1000, 1.962)] {
            #expect(abs(FootprintTrend.t975(degreesOfFreedom: df) - exact) < 0.005, "df \(df)")
        }
    }

    @Test("a soak's passes: the duration cut into whole passes, the last shorter, a float's remainder no pass")
    func passCount() {
        #expect(CellOptions(duration: 1, soakPass: 0.2).passCount == 5)
        #expect(CellOptions(duration: 1, soakPass: 0.3).passCount == 4)
        #expect(CellOptions(duration: 600, soakPass: 30).passCount == 20)
        #expect(CellOptions(duration: 1).passCount == 1)
        #expect(Soak.firstWarm(of: 20) == 5 && Soak.firstWarm(of: 4) == 1 && Soak.firstWarm(of: 1) == 1)
    }

    @Test("a soak cell on kmem runs its passes, audits after each, and reports every gauge's fit, whole and late")
    func kmemSoak() throws {
        let options = CellOptions(threads: 2, duration: 0.9, warmup: 0.01, samplePeriod: 64, soakPass: 0.1)
        let result = try CellRunner.run(CellRequest(engine: "kmem", workload: "kmalloc-mix", options: options))
        let figures = result.workload
        #expect(figures["soak_passes"] == 9 && figures["soak_audits"] == 9 && figures["soak_warm_readings"] == 6)
        for gauge in ["footprint_bytes", "resident_bytes", "pcp_frames", "slab_frames", "slab_free_objects",
                      "depot_objects", "lazy_vmalloc_areas", "magazine_capacity"] {
            #expect(figures["soak_\(gauge)_mean"] != nil && figures["soak_\(gauge)_slope_per_min"] != nil
                    && figures["soak_\(gauge)_slope_ci95"] != nil, "\(gauge)")
            // The last three of the six warm readings.
            #expect(figures["soak_\(gauge)_late_slope_per_min"] != nil && figures["soak_\(gauge)_late_slope_ci95"] != nil, "\(gauge)")
        }
        // Nine passes' windows, not one: time and operations add up. No upper bound: on a loaded
        // machine each window's end stretches (a test run beside a 2-thread soak broke the bound
        // of 1.5 s for six 0.1 s passes).
        #expect(result.seconds > 0.8 && result.operations > 0, "\(result.seconds) s, \(result.operations) operations")
        #expect(figures["process_ops"] == nil || figures["process_ops"]! < Double(result.operations))
    }

    @Test("a baseline soak reads the allocator's own footprint and the resident set, and no model gauge")
    func baselineSoak() throws {
        let options = CellOptions(threads: 1, duration: 0.4, warmup: 0.01, samplePeriod: 0, soakPass: 0.1)
        let result = try CellRunner.run(CellRequest(engine: "glibc", workload: "larson", options: options))
        #expect(result.workload["soak_passes"] == 4 && result.workload["soak_footprint_bytes_slope_per_min"] != nil)
        #expect(result.workload["soak_resident_bytes_mean"] != nil && result.workload["soak_slab_frames_mean"] == nil)
    }

    @Test("the report's soak section prints each gauge's mean, slope, interval and verdict, and the last half's when it is not flat")
    func reportSection() {
        var figures = ["soak_passes": 4.0, "soak_pass_s": 0.1, "soak_warm_readings": 3]
        figures["soak_footprint_bytes_mean"] = 1024 * 100
        figures["soak_footprint_bytes_slope_per_min"] = 1024 * 10
        figures["soak_footprint_bytes_slope_ci95"] = 1024
        let cell = ReportDocument.soakCell(ReportDocument.soakFootprints[0], figures)
        #expect(cell == "100, 10 ± 1 (grows)")
        figures["soak_footprint_bytes_late_slope_per_min"] = 0
        figures["soak_footprint_bytes_late_slope_ci95"] = 1024 * 2
        #expect(ReportDocument.soakCell(ReportDocument.soakFootprints[0], figures) == "100, 10 ± 1 (grows); last half 0 ± 2 (flat)")
        figures["soak_footprint_bytes_slope_per_min"] = 0
        #expect(ReportDocument.soakCell(ReportDocument.soakFootprints[0], figures) == "100, 0 ± 1 (flat)", "a flat reading shows no second fit")
        figures["soak_footprint_bytes_slope_per_min"] = nil
        #expect(ReportDocument.soakCell(ReportDocument.soakFootprints[0], figures) == "100; too few passes for a slope")
    }
}
