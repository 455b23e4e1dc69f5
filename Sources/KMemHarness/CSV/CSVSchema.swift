/// The results and summary CSVs' columns, in order: the contract with users
/// (docs/csv-schema.md documents each). Adding a column at the end keeps the version;
/// renaming, removing or changing the meaning of one bumps it.
public enum CSVSchema {
    public static let version = "2"

    public static let columns: [CSVColumn] = [
        .schemaVersion, .runID, .timestamp, .gitRev, .host, .cpus, .engine, .engineParams, .workload, .workloadParams,
        .threads, .repetition, .seed, .durationS, .warmupS, .status, .error,
        .ops, .allocations, .frees, .bytesTouched, .seconds, .nsPerOp, .opsPerSec,
        .p50Ns, .p90Ns, .p99Ns, .p999Ns, .maxNs, .latencySamples, .samplePeriod, .sampleCostNs,
        .sampleOverheadNsPerOp, .timerFloorNs, .peakRSSKB, .rssIntervalMs, .rssKBSeries,
        .residentBytesPeak, .ownFootprintBytes, .liveBytesPeak, .blowup, .allocFailures, .atomicFailures, .drops, .reserveUse,
        .reclaimEvents, .sleepViolations, .missedTicks, .crossCPUFreeShare, .engineExtra, .workloadExtra,
        // Added for sharding and merging (Run/Shard.swift, Tools/ShardMerge.swift): which plan a row
        // belongs to and where in it, so shards run on other machines join back exactly.
        .suite, .planID, .shard, .cellIndex, .reference,
        .kernelProfile,
    ]

    public static let statuses = ["ok", "failed", "skipped"]

    public static let summaryColumns: [SummaryColumn] = [
        .schemaVersion, .runID, .engine, .engineParams, .workload, .workloadParams, .threads,
        .runs, .okRuns, .nsPerOpMedian, .nsPerOpCILow, .nsPerOpCIHigh, .opsPerSecMedian,
        .p99NsMedian, .peakRSSKBMedian, .residentBytesPeakMedian, .blowupMedian, .reference, .ratioNsPerOp, .ratioCILow, .ratioCIHigh,
        .headline, .headlineMedian, .headlineRatio, .headlineCILow, .headlineCIHigh,
    ]
}

extension CSVColumn {
    /// Known before the cell runs, so on every row.
    static func planned(_ name: String, _ kind: Kind = .text, _ field: @escaping @Sendable (CellInputs) -> String) -> CSVColumn {
        CSVColumn(name, kind, always: true, .cell(field))
    }

    /// Measured by an `ok` run.
    static func measured(_ name: String, _ kind: Kind, always: Bool = false,
                         _ field: @escaping @Sendable (CellResult) -> String) -> CSVColumn {
        CSVColumn(name, kind, always: always, .result(field))
    }

    /// Added at the end within this version: older files lack it.
    static func added(_ name: String, _ kind: Kind = .text, _ field: @escaping @Sendable (CellInputs) -> String) -> CSVColumn {
        CSVColumn(name, kind, always: false, required: false, .cell(field))
    }

    static func number(_ value: Double) -> String { ResultRecord.format(value) }

    /// `name=value;...`, by name.
    static func pairs<Value>(_ values: [String: Value], _ text: (Value) -> String) -> String {
        values.sorted { $0.key < $1.key }.map { "\($0.key)=\(text($0.value))" }.joined(separator: ";")
    }

    public static let schemaVersion = planned("schema_version") { _ in CSVSchema.version }
    public static let runID = planned("run_id") { $0.metadata.runID }
    public static let timestamp = planned("timestamp") { $0.metadata.timestamp }
    public static let gitRev = planned("git_rev") { $0.metadata.gitRevision }
    public static let host = planned("host") { $0.metadata.host }
    public static let cpus = planned("cpus", .integer) { "\($0.metadata.cpus)" }
    public static let engine = planned("engine") { $0.cell.engine.name }
    public static let engineParams = planned("engine_params") { $0.cell.engine.parameterText }
    public static let workload = planned("workload") { $0.cell.workload.name }
    public static let workloadParams = planned("workload_params") { $0.cell.workload.parameterText }
    public static let threads = planned("threads", .integer) { "\($0.cell.threads)" }
    public static let repetition = planned("repetition", .integer) { "\($0.cell.repetition)" }
    public static let seed = planned("seed", .integer) { "\($0.options.seed)" }
    public static let durationS = planned("duration_s", .number) { "\($0.options.duration)" }
    public static let warmupS = planned("warmup_s", .number) { $0.options.rounds == nil ? "\($0.options.warmup)" : "0" }
    public static let status = CSVColumn("status", .text, always: true, .outcome(\.status))
    public static let error = CSVColumn("error", .text, always: true, .outcome(\.error))

    public static let ops = measured("ops", .integer) { "\($0.operations)" }
    public static let allocations = measured("allocations", .integer) { "\($0.counters.allocations)" }
    public static let frees = measured("frees", .integer) { "\($0.counters.frees)" }
    public static let bytesTouched = measured("bytes_touched", .integer) { "\($0.counters.touchedBytes)" }
    public static let seconds = measured("seconds", .number) { number($0.seconds) }
    /// Empty for a window that counted no operation (its workers not scheduled in it, or a
    /// round longer than it): no time per operation, rather than zero.
    public static let nsPerOp = measured("ns_per_op", .number) { $0.operations > 0 ? number($0.nsPerOp) : "" }
    public static let opsPerSec = measured("ops_per_sec", .number) { number($0.opsPerSecond) }
    public static let p50Ns = measured("p50_ns", .integer) { "\($0.latency.p50)" }
    public static let p90Ns = measured("p90_ns", .integer) { "\($0.latency.p90)" }
    public static let p99Ns = measured("p99_ns", .integer) { "\($0.latency.p99)" }
    public static let p999Ns = measured("p999_ns", .integer) { "\($0.latency.p999)" }
    public static let maxNs = measured("max_ns", .integer) { "\($0.latency.max)" }
    public static let latencySamples = measured("latency_samples", .integer) { "\($0.latency.samples)" }
    public static let samplePeriod = measured("sample_period", .integer) { "\($0.samplePeriod)" }
    public static let sampleCostNs = measured("sample_cost_ns", .number) { number($0.calibration.costNs) }
    public static let sampleOverheadNsPerOp = measured("sample_overhead_ns_per_op", .number) {
        number($0.samplePeriod > 0 ? $0.calibration.costNs / Double($0.samplePeriod) : 0)
    }
    public static let timerFloorNs = measured("timer_floor_ns", .number) { number($0.calibration.floorNs) }
    public static let peakRSSKB = measured("peak_rss_kb", .integer) { "\($0.peakRSSKB)" }
    public static let rssIntervalMs = measured("rss_interval_ms", .integer) { "\($0.resourceIntervalMs)" }
    public static let rssKBSeries = measured("rss_kb_series", .text) { $0.rssSeriesKB.map(String.init).joined(separator: ";") }
    public static let residentBytesPeak = measured("resident_bytes_peak", .integer) { $0.residentPeakBytes.map(String.init) ?? "" }
    public static let ownFootprintBytes = measured("own_footprint_bytes", .integer) {
        $0.ownFootprintBytes.map(String.init) ?? ""
    }
    public static let liveBytesPeak = measured("live_bytes_peak", .integer) { "\($0.livePeakBytes)" }
    public static let blowup = measured("blowup", .number) { result in
        result.residentPeakBytes.map { result.livePeakBytes > 0 ? number(Double($0) / Double(result.livePeakBytes)) : "" } ?? ""
    }
    public static let allocFailures = measured("alloc_failures", .integer) { "\($0.counters.failures)" }
    public static let atomicFailures = measured("atomic_failures", .integer) { "\($0.counters.atomicFailures)" }
    public static let drops = measured("drops", .integer) { "\($0.counters.drops)" }
    public static let reserveUse = measured("reserve_use", .integer) { "\($0.engine.reserveUse)" }
    public static let reclaimEvents = measured("reclaim_events", .integer) { "\($0.engine.reclaimEvents)" }
    public static let sleepViolations = measured("sleep_violations", .integer) { "\($0.engine.sleepViolations)" }
    public static let missedTicks = measured("missed_ticks", .integer) { "\($0.missedTicks)" }
    public static let crossCPUFreeShare = measured("cross_cpu_free_share", .number) {
        number($0.counters.frees > 0 ? Double($0.counters.remoteFrees) / Double($0.counters.frees) : 0)
    }
    public static let engineExtra = measured("engine_extra", .text) { pairs($0.engine.extra) { "\($0)" } }
    public static let workloadExtra = measured("workload_extra", .text) { pairs($0.workload, number) }

    public static let suite = added("suite") { $0.plan.suite }
    public static let planID = added("plan_id") { $0.plan.identity }
    public static let shard = added("shard") { $0.plan.shard.description }
    public static let cellIndex = added("cell_index", .integer) { "\($0.cell.index)" }
    public static let reference = added("reference") { $0.plan.reference.description }
    /// The kmem engine's kernel profile (given or the default), empty for other engines.
    public static let kernelProfile = added("kernel_profile") { inputs in
        guard inputs.cell.engine.name == "kmem", let values = try? EngineRegistry.validate(inputs.cell.engine) else { return "" }
        return values[KMemEngine.kernel].rawValue
    }
}

extension SummaryColumn {
    /// The group's value of a results column the rows are grouped by (or share, as the run).
    static func copied(_ column: CSVColumn) -> SummaryColumn { SummaryColumn(column.name) { $0.first[column] } }

    /// The median of a results column over the group's `ok` rows.
    static func median(_ name: String, of column: CSVColumn) -> SummaryColumn {
        SummaryColumn(name) { Summary.format(Summary.median($0.ok.compactMap { $0.number(column) })) }
    }

    public static let schemaVersion = SummaryColumn("schema_version") { _ in CSVSchema.version }
    public static let runID = copied(.runID)
    public static let engine = copied(.engine)
    public static let engineParams = copied(.engineParams)
    public static let workload = copied(.workload)
    public static let workloadParams = copied(.workloadParams)
    public static let threads = copied(.threads)
    public static let runs = SummaryColumn("runs") { "\($0.rows.count)" }
    public static let okRuns = SummaryColumn("ok_runs") { "\($0.ok.count)" }
    public static let nsPerOpMedian = SummaryColumn("ns_per_op_median") { Summary.format(Summary.median($0.nsPerOp)) }
    public static let nsPerOpCILow = SummaryColumn("ns_per_op_ci_low") { Summary.format($0.interval?.lowerBound) }
    public static let nsPerOpCIHigh = SummaryColumn("ns_per_op_ci_high") { Summary.format($0.interval?.upperBound) }
    public static let opsPerSecMedian = median("ops_per_sec_median", of: .opsPerSec)
    public static let p99NsMedian = median("p99_ns_median", of: .p99Ns)
    public static let peakRSSKBMedian = median("peak_rss_kb_median", of: .peakRSSKB)
    public static let residentBytesPeakMedian = median("resident_bytes_peak_median", of: .residentBytesPeak)
    public static let blowupMedian = median("blowup_median", of: .blowup)
    public static let reference = SummaryColumn("reference") { $0.reference }
    public static let ratioNsPerOp = SummaryColumn("ratio_ns_per_op") { Summary.format($0.ratio?.value) }
    public static let ratioCILow = SummaryColumn("ratio_ci_low") { Summary.format($0.ratio?.interval.lowerBound) }
    public static let ratioCIHigh = SummaryColumn("ratio_ci_high") { Summary.format($0.ratio?.interval.upperBound) }
    public static let headline = SummaryColumn("headline") { $0.headline.name }
    public static let headlineMedian = SummaryColumn("headline_median") { Summary.format($0.headlineMedian) }
    public static let headlineRatio = SummaryColumn("headline_ratio") { Summary.format($0.headlineRatio?.value) }
    public static let headlineCILow = SummaryColumn("headline_ci_low") { Summary.format($0.headlineRatio?.interval.lowerBound) }
    public static let headlineCIHigh = SummaryColumn("headline_ci_high") { Summary.format($0.headlineRatio?.interval.upperBound) }
}
