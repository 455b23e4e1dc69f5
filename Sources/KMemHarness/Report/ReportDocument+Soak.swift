/// The soak section: for each soak row, how its footprints moved once warm. Figures come from
/// the row's workload_extra (Soak.figures), so the section is re-derivable from the CSV.
extension ReportDocument {
    /// A reading a soak follows, its column header and how to print its values.
    struct SoakGauge: Sendable {
        let name: String
        let header: String
        let unit: String
        let scale: Double
    }

    static let soakFootprints = [
        SoakGauge(name: "footprint_bytes", header: "own footprint", unit: "KiB", scale: 1024),
        SoakGauge(name: "resident_bytes", header: "resident set", unit: "KiB", scale: 1024),
    ]
    static let soakModelGauges = [
        SoakGauge(name: "pcp_frames", header: "per-CPU page lists", unit: "pages", scale: 1),
        SoakGauge(name: "slab_frames", header: "slab pages", unit: "pages", scale: 1),
        SoakGauge(name: "slab_free_objects", header: "free objects in slabs", unit: "objects", scale: 1),
        SoakGauge(name: "depot_objects", header: "depot/barn objects", unit: "objects", scale: 1),
        SoakGauge(name: "lazy_vmalloc_areas", header: "lazily freed areas", unit: "areas", scale: 1),
        SoakGauge(name: "magazine_capacity", header: "magazine sizes summed", unit: "objects", scale: 1),
    ]

    /// nil when no row is a soak.
    static func soak(_ input: ReportInput) -> String? {
        let rows = input.records.filter { $0.isOK && $0.figures(.workloadExtra)["soak_passes"] != nil }
        guard !rows.isEmpty else { return nil }
        func table(_ gauges: [SoakGauge], _ rows: [ResultRecord]) -> String {
            Table(header: ["engine", "workload", "threads", "passes"] + gauges.map { "\($0.header) (\($0.unit), slope/min)" },
                  rows: rows.map { row in
                      let figures = row.figures(.workloadExtra)
                      let passes = "\(ResultsTable.short(figures["soak_passes"].map(ResultRecord.format) ?? "")) "
                          + "× \(ResultsTable.short(figures["soak_pass_s"].map(ResultRecord.format) ?? "")) s"
                      return [row.engineSpec, row.workloadSpec, row[.threads], passes] + gauges.map { soakCell($0, figures) }
                  }).markdown
        }
        let model = rows.filter { $0.figures(.workloadExtra)["soak_slab_frames_mean"] != nil }
        return "## Soak\n\n"
            + "Each soak cell ran its workload pass after pass on one engine; between passes, with every object given back, "
            + "the conservation audit passed (a violation fails the cell) and the footprints were read. Each column: the "
            + "mean once warm (after the first quarter of the passes), then the slope of a least-squares line through "
            + "those readings per minute of soak with its 95% interval, and the verdict: grows (or shrinks) when the "
            + "whole interval lies above (below) zero and the change an hour exceeds "
            + "\(ResultsTable.short(ResultRecord.format(FootprintTrend.flatHourlyShare * 100)))% of the mean, else flat; "
            + "a reading that is not flat also shows the slope of the last half of those readings alone, which is flat "
            + "when a growth has settled. "
            + "Own footprint is the allocator's own account (kmem: pages off the free lists); the resident set is the "
            + "process's, less the harness's own buffers.\n\n"
            + table(soakFootprints, rows)
            + (model.isEmpty ? "" : "\n\nThe model's own structures at the same points (kmem rows): pages on the per-CPU page lists (their high mark tunes itself up to its limit, so they grow for a while), slab pages, free objects "
               + "on slab freelists (node and CPU partial lists), full and empty magazines' objects in depots and barns, "
               + "vmalloc areas awaiting the lazy purge, and every cache's magazine (sheaf) size summed: Bonwick's magazines "
               + "grow a size when the depot is contended, up to the largest type, and the objects they hold grow with them.\n\n" + table(soakModelGauges, model))
    }

    /// `mean, slope ± half-width (verdict)`, or what is missing.
    static func soakCell(_ gauge: SoakGauge, _ figures: [String: Double]) -> String {
        guard let mean = figures["soak_\(gauge.name)_mean"] else { return "—" }
        let shown = { (value: Double) in ResultsTable.short(ResultRecord.format(value / gauge.scale)) }
        guard let slope = figures["soak_\(gauge.name)_slope_per_min"], let half = figures["soak_\(gauge.name)_slope_ci95"] else {
            return "\(shown(mean)); too few passes for a slope"
        }
        let readings = Int(figures["soak_warm_readings"] ?? 0)
        func fit(_ slope: Double, _ half: Double, _ readings: Int) -> (text: String, verdict: FootprintTrend.Verdict) {
            let verdict = FootprintTrend(slope: slope, slopeHalfWidth: half, mean: mean, readings: readings).verdict
            return ("\(shown(slope)) ± \(shown(half)) (\(verdict.rawValue))", verdict)
        }
        let whole = fit(slope, half, readings)
        // A growth that has stopped shows as "grows" over the whole window: say how the last half moved.
        guard whole.verdict != .flat, let lateSlope = figures["soak_\(gauge.name)_late_slope_per_min"],
              let lateHalf = figures["soak_\(gauge.name)_late_slope_ci95"] else { return "\(shown(mean)), \(whole.text)" }
        return "\(shown(mean)), \(whole.text); last half \(fit(lateSlope, lateHalf, readings - readings / 2).text)"
    }
}
