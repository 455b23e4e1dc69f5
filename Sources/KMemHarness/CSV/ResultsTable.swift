import Foundation

/// The table `run` prints at the end, from the summary records (so from the CSV).
public enum ResultsTable {
    public static func render(_ summary: [ResultRecord]) -> String {
        let header = ["engine", "workload", "threads", "ok/runs", "ns/op", "95% CI", "Mops/s", "p99 ns", "peak RSS MiB", "ratio"]
        let rows = summary.map { row -> [String] in
            let engine = row["engine_params"].isEmpty ? row["engine"] : "\(row["engine"]):\(row["engine_params"])"
            let workload = row["workload_params"].isEmpty ? row["workload"] : "\(row["workload"]):\(row["workload_params"])"
            let ci = row["ns_per_op_ci_low"].isEmpty ? "" : "\(short(row["ns_per_op_ci_low"]))-\(short(row["ns_per_op_ci_high"]))"
            let mops = row.number("ops_per_sec_median").map { ResultRecord.format(($0 / 1e6 * 100).rounded() / 100) } ?? ""
            let rss = row.number("peak_rss_kb_median").map { ResultRecord.format(($0 / 1024).rounded()) } ?? ""
            let ratio = row["ratio_ns_per_op"].isEmpty ? "" : "\(short(row["ratio_ns_per_op"])) [\(short(row["ratio_ci_low"]))-\(short(row["ratio_ci_high"]))]"
            return [engine, workload, row["threads"], "\(row["ok_runs"])/\(row["runs"])", short(row["ns_per_op_median"]),
                    ci, mops, row["p99_ns_median"], rss, ratio]
        }
        let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max()! }
        return ([header] + rows).map { cells in
            cells.enumerated().map { $1.padding(toLength: widths[$0], withPad: " ", startingAt: 0) }.joined(separator: "  ")
        }.joined(separator: "\n")
    }

    /// Two decimals at most, for reading.
    static func short(_ text: String) -> String {
        guard let value = Double(text) else { return text }
        return ResultRecord.format((value * 100).rounded() / 100)
    }
}
