import Foundation
@testable import KMemHarness

/// Result rows made up for the tools' tests: every column of the schema filled validly, with
/// chosen ns/op, p99 and footprint, so tests of tune, compare and report are deterministic
/// and need no child process.
enum SyntheticResults {
    static func record(engine: String, parameters: String = "", workload: String = "pair", threads: Int = 1,
                       repetition: Int = 0, nsPerOp: Double, p99: Double = 100, footprint: Double? = 1_048_576) -> ResultRecord {
        var record = ResultRecord()
        for column in CSVSchema.columns {
            record[column.name] = switch column.kind { case .text: "synthetic"; case .integer, .number: "0" }
        }
        let fields: [String: String] = [
            "schema_version": CSVSchema.version, "engine": engine, "engine_params": parameters, "workload": workload,
            "workload_params": "", "threads": "\(threads)", "repetition": "\(repetition)", "status": "ok", "error": "",
            "ns_per_op": ResultRecord.format(nsPerOp), "ops_per_sec": ResultRecord.format(1e9 / nsPerOp),
            "p99_ns": "\(Int(p99))", "footprint_bytes_peak": footprint.map { "\(Int($0))" } ?? "", "blowup": "",
            "rss_interval_ms": "50", "rss_kb_series": "20000;24000;26000", "peak_rss_kb": "26000", "engine_extra": "",
            "reference": engine, "cell_index": "\(repetition)",
        ]
        record.fields.merge(fields) { $1 }
        return record
    }

    /// `values` as one cell's repetitions.
    static func cell(engine: String, workload: String = "pair", threads: Int = 1, nsPerOp values: [Double]) -> [ResultRecord] {
        values.enumerated().map { record(engine: engine, workload: workload, threads: threads, repetition: $0, nsPerOp: $1) }
    }

    /// Writes records as a results CSV in a fresh directory.
    static func write(_ records: [ResultRecord], name: String = "results.csv") throws -> URL {
        let url = try temporaryDirectory().appendingPathComponent(name)
        try WholeFile.write(CSVFile.render(columns: CSVSchema.columnNames, records: records), to: url)
        return url
    }
}
