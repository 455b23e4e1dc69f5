import Foundation

/// The table `run` prints at the end, from the summary records (so from the CSV).
public enum ResultsTable {
    public static func render(_ summary: [ResultRecord]) -> String { table(summary).text }

    public static func table(_ summary: [ResultRecord]) -> Table {
        let header = ["engine", "workload", "threads", "ok/runs", "ns/op", "95% CI", "Mops/s", "p99 ns", "peak RSS MiB", "ratio"]
        let rows = summary.map { row -> [String] in
            let ci = row["ns_per_op_ci_low"].isEmpty ? "" : "\(short(row["ns_per_op_ci_low"]))-\(short(row["ns_per_op_ci_high"]))"
            let mops = row.number("ops_per_sec_median").map { ResultRecord.format(($0 / 1e6 * 100).rounded() / 100) } ?? ""
            let rss = row.number("peak_rss_kb_median").map { ResultRecord.format(($0 / 1024).rounded()) } ?? ""
            let ratio = row["ratio_ns_per_op"].isEmpty ? "" : "\(short(row["ratio_ns_per_op"])) [\(short(row["ratio_ci_low"]))-\(short(row["ratio_ci_high"]))]"
            return [row.engineSpec, row.workloadSpec, row["threads"], "\(row["ok_runs"])/\(row["runs"])", short(row["ns_per_op_median"]),
                    ci, mops, row["p99_ns_median"], rss, ratio]
        }
        return Table(header: header, rows: rows)
    }

    /// Two decimals at most, for reading.
    static func short(_ text: String) -> String {
        guard let value = Double(text) else { return text }
        return ResultRecord.format((value * 100).rounded() / 100)
    }
}
