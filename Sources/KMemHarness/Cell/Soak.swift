import CKMemShims

/// A soak cell: the workload run pass after pass on one engine for the cell's duration, each
/// pass with a seed of its own. Between passes, with every object given back, the
/// conservation audit runs (a violation fails the cell, naming the pass) and the footprint is
/// read: the engine's own account, the resident set (the harness's buffers left out) and the
/// model's gauges. Readings after the first quarter of the passes (caches warm) are fitted
/// with a line, whose slope and 95% interval say whether anything grows; the last half of
/// those readings gets a line of its own, which says whether a growth has settled.
struct Soak {
    let totals: PassTotals
    private var minutes: [Double] = []
    private var readings: [String: [Double]] = [:]
    private let passLength: Double

    init(_ workload: WorkloadInstance, on engine: AnyEngine, options: CellOptions) throws {
        passLength = options.soakPass!
        let count = options.passCount
        let startNs = kmem_shim_monotonic_ns()
        var totals: PassTotals?
        for index in 0..<count {
            var pass = options
            pass.duration = min(passLength, options.duration - Double(index) * passLength)
            pass.seed = Self.seed(options.seed, pass: index)
            let run = CellPass(workload, on: engine, options: pass)
            if totals == nil { totals = PassTotals(run) } else { totals!.add(run) }
            let audit = engine.audit()
            if let failure = CellRunner.Failure(audit: audit, after: "soak pass \(index + 1) of \(count)") { throw failure }
            minutes.append(Double(kmem_shim_monotonic_ns() - startNs) / 60e9)
            var reading = audit.gauges
            reading["resident_bytes"] = Double(ProcessStatus.rssKB * 1024 - HarnessMemory.mapped.load(ordering: .relaxed))
            if let footprint = engine.footprintBytes() { reading["footprint_bytes"] = Double(footprint) }
            for (name, value) in reading { readings[name, default: []].append(value) }
        }
        self.totals = totals!  // passCount is at least 1
    }

    /// Pass 0 runs with the cell's own seed, so a one-pass soak is the ordinary cell.
    static func seed(_ seed: UInt64, pass: Int) -> UInt64 { seed ^ (UInt64(pass) &* 0x9E37_79B9_7F4A_7C15) }

    /// Readings before this index are the warm-up: the first quarter of the passes.
    static func firstWarm(of count: Int) -> Int { (count + 3) / 4 }

    /// `soak_passes`, `soak_pass_s`, `soak_audits`, `soak_warm_readings`, and per reading
    /// NAME its warm mean and, with at least three warm readings, `soak_NAME_slope_per_min`
    /// and its 95% half-width `soak_NAME_slope_ci95`; with at least three in the warm
    /// readings' last half, that half's `soak_NAME_late_slope_per_min` and
    /// `soak_NAME_late_slope_ci95`.
    var figures: [String: Double] {
        var figures = ["soak_passes": Double(minutes.count), "soak_pass_s": passLength, "soak_audits": Double(minutes.count)]
        let warm = Self.firstWarm(of: minutes.count)
        figures["soak_warm_readings"] = Double(minutes.count - warm)
        for (name, values) in readings where values.count == minutes.count {
            let times = Array(minutes[warm...]), values = Array(values[warm...])
            guard !values.isEmpty else { continue }
            figures["soak_\(name)_mean"] = values.reduce(0, +) / Double(values.count)
            for (key, from) in [("soak_\(name)_", 0), ("soak_\(name)_late_", values.count / 2)] {
                guard let trend = FootprintTrend(minutes: Array(times[from...]), bytes: Array(values[from...])) else { continue }
                figures[key + "slope_per_min"] = trend.slope
                figures[key + "slope_ci95"] = trend.slopeHalfWidth
            }
        }
        return figures
    }
}
