extension TuningResult {
    /// Every setting with its medians, marked where it is best or on the Pareto front.
    public var table: Table {
        let front = pareto
        return Table(header: ["setting", "ok", "Mops/s", "p99 ns", "footprint MiB", "best", "Pareto"], rows: points.map { point in
            var best: [String] = []
            if point == bestThroughput { best.append("throughput") }
            if point == bestLatency { best.append("p99") }
            if point == bestFootprint { best.append("footprint") }
            return [point.parameters, "\(point.okRuns)", Self.short(point.opsPerSec / 1e6),
                    point.p99Ns.map { Self.short($0) } ?? "", point.footprintBytes.map { Self.short($0 / 1_048_576) } ?? "",
                    best.joined(separator: ", "), front.contains(point) ? "yes" : ""]
        })
    }

    /// The lines `tune` prints under the table.
    public var verdict: String {
        var lines = [
            "\(engine) on \(workload), \(threads) threads (footprint: \(footprintMetric.name))",
            "best throughput: \(bestThroughput.map { "\($0.parameters) (\(Self.short($0.opsPerSec / 1e6)) Mops/s)" } ?? "none")",
            "best p99 latency: \(bestLatency.map { "\($0.parameters) (\(Self.short($0.p99Ns!)) ns)" } ?? "none")",
            "best peak footprint: \(bestFootprint.map { "\($0.parameters) (\(Self.short($0.footprintBytes! / 1_048_576)) MiB)" } ?? "none")",
            "Pareto (throughput vs footprint): " + pareto.map(\.parameters).joined(separator: " | "),
        ]
        if !failed.isEmpty { lines.append("no ok run: " + failed.joined(separator: " | ")) }
        return lines.joined(separator: "\n")
    }

    static func short(_ value: Double) -> String { ResultsTable.short(ResultRecord.format(value)) }
}
