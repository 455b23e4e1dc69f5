/// The results CSV's columns, in order: the contract with users (docs/csv-schema.md
/// documents each). Adding a column at the end keeps the version; renaming, removing or
/// changing the meaning of one bumps it.
public enum CSVSchema {
    public static let version = "1"

    public enum Kind: Sendable { case text, integer, number }

    public struct Column: Sendable {
        public let name: String
        public let kind: Kind
        /// Filled on every row, whatever its status (else only on `ok` rows).
        public let always: Bool
        /// Columns added at the end within this version are optional for readers: files
        /// written before them lack them and read back with the fields empty.
        public var required = true
    }

    static func text(_ name: String, always: Bool = true) -> Column { Column(name: name, kind: .text, always: always) }
    static func integer(_ name: String) -> Column { Column(name: name, kind: .integer, always: false) }
    static func number(_ name: String) -> Column { Column(name: name, kind: .number, always: false) }
    static func added(_ name: String, _ kind: Kind = .text) -> Column {
        Column(name: name, kind: kind, always: false, required: false)
    }

    public static let columns: [Column] = [
        text("schema_version"), text("run_id"), text("timestamp"), text("git_rev"), text("host"),
        Column(name: "cpus", kind: .integer, always: true),
        text("engine"), text("engine_params"), text("workload"), text("workload_params"),
        Column(name: "threads", kind: .integer, always: true),
        Column(name: "repetition", kind: .integer, always: true),
        Column(name: "seed", kind: .integer, always: true),
        Column(name: "duration_s", kind: .number, always: true),
        text("status"), text("error"),
        integer("ops"), integer("allocations"), integer("frees"), number("seconds"),
        number("ns_per_op"), number("ops_per_sec"),
        integer("p50_ns"), integer("p90_ns"), integer("p99_ns"), integer("p999_ns"), integer("max_ns"),
        integer("latency_samples"), integer("sample_period"), number("sample_cost_ns"),
        number("sample_overhead_ns_per_op"), number("timer_floor_ns"),
        integer("peak_rss_kb"), integer("rss_interval_ms"), text("rss_kb_series", always: false),
        integer("footprint_bytes_peak"), integer("live_bytes_peak"), number("blowup"),
        integer("alloc_failures"), integer("atomic_failures"), integer("drops"), integer("reserve_use"),
        integer("reclaim_events"), integer("sleep_violations"), integer("missed_ticks"),
        number("cross_cpu_free_share"), text("engine_extra", always: false),
        text("workload_extra", always: false),
        // Added for sharding and merging (Run/Shard.swift, Tools/ShardMerge.swift): which plan a row
        // belongs to and where in it, so shards run on other machines join back exactly.
        added("suite"), added("plan_id"), added("shard"), added("cell_index", .integer), added("reference"),
    ]

    public static var columnNames: [String] { columns.map(\.name) }

    public static let statuses = ["ok", "failed", "skipped"]

    /// The summary CSV's columns (docs/csv-schema.md).
    public static let summaryColumns = [
        "schema_version", "run_id", "engine", "engine_params", "workload", "workload_params", "threads",
        "runs", "ok_runs", "ns_per_op_median", "ns_per_op_ci_low", "ns_per_op_ci_high", "ops_per_sec_median",
        "p99_ns_median", "peak_rss_kb_median", "blowup_median", "reference", "ratio_ns_per_op",
        "ratio_ci_low", "ratio_ci_high",
    ]
}
