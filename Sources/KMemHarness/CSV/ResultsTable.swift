import Foundation

/// The table `run` prints at the end, from the summary records (so from the CSV).
public enum ResultsTable {
    public static func render(_ summary: [SummaryRecord]) -> String { table(summary).text }

    public static func table(_ summary: [SummaryRecord]) -> Table {
        let header = ["engine", "workload", "threads", "ok/runs", "ns/op", "95% CI", "Mops/s", "p99 ns", "resident MiB", "blowup", "ratio"]
        let rows = summary.map { row -> [String] in
            let ci = row[.nsPerOpCILow].isEmpty ? "" : "\(short(row[.nsPerOpCILow]))-\(short(row[.nsPerOpCIHigh]))"
            let mops = row.number(.opsPerSecMedian).map { short($0 / 1e6) } ?? ""
            let resident = row.number(.residentBytesPeakMedian).map { ResultRecord.format(($0 / 1_048_576 * 10).rounded() / 10) } ?? ""
            let ratio = row[.ratioNsPerOp].isEmpty ? "" : "\(short(row[.ratioNsPerOp])) [\(short(row[.ratioCILow]))-\(short(row[.ratioCIHigh]))]"
            return [row.engineSpec, row.workloadSpec, row[.threads], "\(row[.okRuns])/\(row[.runs])", short(row[.nsPerOpMedian]),
                    ci, mops, row[.p99NsMedian], resident, short(row[.blowupMedian]), ratio]
        }
        return Table(header: header, rows: rows)
    }

    /// Two decimals at most, for reading.
    static func short(_ text: String) -> String {
        guard let value = Double(text) else { return text }
        return short(value)
    }

    static func short(_ value: Double) -> String { ResultRecord.format((value * 100).rounded() / 100) }
}
