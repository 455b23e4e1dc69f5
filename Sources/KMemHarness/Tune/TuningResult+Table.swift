extension TuningResult {
    /// Every setting with its medians, marked where it is best (or among those the sweep
    /// cannot tell apart from the best: "tied") or on the Pareto front.
    public var table: Table {
        let front = pareto
        let leaders = Dictionary(uniqueKeysWithValues: Objective.allCases.map { ($0, cannotTellApart($0)) })
        return Table(header: ["setting", "ok", "Mops/s", "p99 ns", "footprint MiB", "best", "Pareto"], rows: points.map { point in
            let best = Objective.allCases.compactMap { objective -> String? in
                let tied = leaders[objective]!
                guard tied.contains(point) else { return nil }
                return tied.count == 1 ? objective.rawValue : "\(objective.rawValue) (tied)"
            }
            return [point.parameters, "\(point.okRuns)", Self.short(point.opsPerSec / 1e6),
                    point.p99Ns.map { Self.short($0) } ?? "", point.footprintBytes.map { Self.short($0 / 1_048_576) } ?? "",
                    best.joined(separator: ", "), front.contains(point) ? "yes" : ""]
        })
    }

    /// The lines `tune` prints under the table.
    public var verdict: String {
        var lines = [
            "\(engine) on \(workload), \(threads) threads (footprint: \(footprintMetric.name))",
            best(.throughput, "throughput") { "\(Self.short($0.opsPerSec / 1e6)) Mops/s" },
            best(.p99, "p99 latency") { "\(Self.short($0.p99Ns!)) ns" },
            best(.footprint, "peak footprint") { "\(Self.short($0.footprintBytes! / 1_048_576)) MiB" },
            "Pareto (throughput vs footprint): " + pareto.map(\.parameters).joined(separator: " | "),
        ]
        if !failed.isEmpty { lines.append("no ok run: " + failed.joined(separator: " | ")) }
        return lines.joined(separator: "\n")
    }

    /// "best X: setting (figure)" when the best setting's interval is clear of every other's,
    /// else the settings whose intervals overlap it, which this sweep cannot rank.
    func best(_ objective: Objective, _ name: String, _ figure: (Point) -> String) -> String {
        let tied = cannotTellApart(objective)
        guard let leader = tied.first else { return "best \(name): none" }
        if tied.count == 1 { return "best \(name): \(leader.parameters) (\(figure(leader)))" }
        return "best \(name): cannot tell apart " + tied.map { "\($0.parameters) (\(figure($0)))" }.joined(separator: " | ")
            + " (their 95% intervals overlap; more repetitions may separate them)"
    }

    static func short(_ value: Double) -> String { ResultsTable.short(ResultRecord.format(value)) }
}
