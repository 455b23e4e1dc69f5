import Foundation
@testable import KMemHarness

/// Result rows made up for the tools' tests: every column of the schema filled validly, with
/// chosen ns/op, p99 and footprint, so tests of tune, compare and report are deterministic
/// and need no child process.
enum SyntheticResults {
    static func record(engine: String, parameters: String = "", workload: String = "pair", threads: Int = 1,
                       repetition: Int = 0, nsPerOp: Double, p99: Double = 100, footprint: Double? = 1_048_576) -> ResultRecord {
        var record = ResultRecord { column in
            switch column.kind { case .text: "synthetic"; case .integer, .number: "0" }
        }
        let fields: [(CSVColumn, String)] = [
            (.schemaVersion, CSVSchema.version), (.engine, engine), (.engineParams, parameters), (.workload, workload),
            (.workloadParams, ""), (.threads, "\(threads)"), (.repetition, "\(repetition)"), (.status, "ok"), (.error, ""),
            (.nsPerOp, ResultRecord.format(nsPerOp)), (.opsPerSec, ResultRecord.format(1e9 / nsPerOp)),
            (.p99Ns, "\(Int(p99))"), (.ownFootprintBytes, footprint.map { "\(Int($0))" } ?? ""), (.blowup, ""),
            (.rssIntervalMs, "50"), (.rssKBSeries, "20000;24000;26000"), (.peakRSSKB, "26000"), (.engineExtra, ""),
            (.reference, engine), (.cellIndex, "\(repetition)"),
        ]
        for (column, value) in fields { record[column] = value }
        return record
    }

    /// `values` as one cell's repetitions.
    static func cell(engine: String, workload: String = "pair", threads: Int = 1, nsPerOp values: [Double]) -> [ResultRecord] {
        values.enumerated().map { record(engine: engine, workload: workload, threads: threads, repetition: $0, nsPerOp: $1) }
    }

    /// Writes records as a results CSV in a fresh directory.
    static func write(_ records: [ResultRecord], name: String = "results.csv") throws -> URL {
        let url = try temporaryDirectory().appendingPathComponent(name)
        try WholeFile.write(CSVFile.render(records), to: url)
        return url
    }
}
