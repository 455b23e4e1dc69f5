import Foundation

/// One row of a results (or summary) CSV, by column name. The runner builds these, the
/// writer writes them, the reader gives them back, and the summary and the printed table are
/// computed from them, so every number printed can be re-derived from the file.
public struct ResultRecord: Sendable, Equatable {
    public var fields: [String: String]

    public init(fields: [String: String] = [:]) { self.fields = fields }

    public subscript(column: String) -> String {
        get { fields[column] ?? "" }
        set { fields[column] = newValue }
    }

    public func number(_ column: String) -> Double? { Double(self[column]) }
    public var isOK: Bool { self["status"] == "ok" }

    /// The key a summary groups by.
    var group: [String] { ["engine", "engine_params", "workload", "workload_params", "threads"].map { self[$0] } }
}

extension ResultRecord {
    /// A row for a cell, before its outcome is known.
    init(_ metadata: RunMetadata, _ plan: RunPlan, _ cell: RunPlan.Cell, options: CellOptions) {
        self.init(fields: [
            "schema_version": CSVSchema.version, "run_id": metadata.runID, "timestamp": metadata.timestamp,
            "git_rev": metadata.gitRevision, "host": metadata.host, "cpus": "\(metadata.cpus)",
            "engine": cell.engine.name, "engine_params": cell.engine.parameterText,
            "workload": cell.workload.name, "workload_params": cell.workload.parameterText,
            "threads": "\(cell.threads)", "repetition": "\(cell.repetition)", "seed": "\(options.seed)",
            "duration_s": "\(options.duration)", "suite": plan.suite, "plan_id": plan.identity,
            "shard": plan.shard.description, "cell_index": "\(cell.index)", "reference": plan.reference.description,
        ])
    }

    mutating func fail(_ status: String, _ error: String) {
        self["status"] = status
        self["error"] = error
    }

    mutating func fill(_ result: CellResult) {
        self["status"] = "ok"
        let values: [String: String] = [
            "ops": "\(result.operations)", "allocations": "\(result.counters.allocations)",
            "frees": "\(result.counters.frees)", "seconds": Self.format(result.seconds),
            "ns_per_op": Self.format(result.nsPerOp), "ops_per_sec": Self.format(result.opsPerSecond),
            "p50_ns": "\(result.latency.p50)", "p90_ns": "\(result.latency.p90)", "p99_ns": "\(result.latency.p99)",
            "p999_ns": "\(result.latency.p999)", "max_ns": "\(result.latency.max)",
            "latency_samples": "\(result.latency.samples)", "sample_period": "\(result.samplePeriod)",
            "sample_cost_ns": Self.format(result.calibration.costNs),
            "sample_overhead_ns_per_op": Self.format(result.samplePeriod > 0 ? result.calibration.costNs / Double(result.samplePeriod) : 0),
            "timer_floor_ns": Self.format(result.calibration.floorNs),
            "peak_rss_kb": "\(result.peakRSSKB)", "rss_interval_ms": "\(result.resourceIntervalMs)",
            "rss_kb_series": result.rssSeriesKB.map(String.init).joined(separator: ";"),
            "footprint_bytes_peak": result.footprintPeakBytes.map(String.init) ?? "",
            "live_bytes_peak": "\(result.livePeakBytes)",
            "blowup": result.footprintPeakBytes.map { result.livePeakBytes > 0 ? Self.format(Double($0) / Double(result.livePeakBytes)) : "" } ?? "",
            "alloc_failures": "\(result.counters.failures)", "atomic_failures": "\(result.counters.atomicFailures)",
            "drops": "\(result.counters.drops)", "reserve_use": "\(result.engine.reserveUse)",
            "reclaim_events": "\(result.engine.reclaimEvents)", "sleep_violations": "\(result.engine.sleepViolations)",
            "missed_ticks": "\(result.missedTicks)",
            "cross_cpu_free_share": Self.format(result.counters.frees > 0 ? Double(result.counters.remoteFrees) / Double(result.counters.frees) : 0),
            "engine_extra": result.engine.extra.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ";"),
            "workload_extra": result.workload.sorted { $0.key < $1.key }.map { "\($0.key)=\(Self.format($0.value))" }.joined(separator: ";"),
        ]
        fields.merge(values) { $1 }
    }

    /// Numbers as the CSV writes them: up to 4 decimals, no exponent, no trailing zeros.
    static func format(_ value: Double) -> String {
        guard value.isFinite else { return "" }
        var text = String(format: "%.4f", value)
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text
    }
}
