/// What a sweep found for one engine on one workload at one thread count: each setting's
/// medians over its `ok` repetitions, the best setting per objective, and the settings on
/// the Pareto front of throughput (higher is better) against footprint (lower is better).
/// Computed from CSV records, so `report` finds the same as `tune` printed.
public struct TuningResult: Sendable {
    public struct Point: Sendable, Equatable {
        /// The setting, `key=value,...` as in the CSV's engine_params.
        public let parameters: String
        public let okRuns: Int
        public let opsPerSec: Double
        public let p99Ns: Double?
        public let footprintBytes: Double?
        /// The 95% intervals of those medians (order statistics; min...max below 6 runs).
        public let opsPerSecInterval: ClosedRange<Double>?
        public let p99Interval: ClosedRange<Double>?
        public let footprintInterval: ClosedRange<Double>?
    }

    /// The objectives a sweep ranks settings by.
    public enum Objective: String, Sendable, CaseIterable {
        case throughput, p99, footprint

        func median(_ point: Point) -> Double? {
            switch self {
            case .throughput: point.opsPerSec
            case .p99: point.p99Ns
            case .footprint: point.footprintBytes
            }
        }

        func interval(_ point: Point) -> ClosedRange<Double>? {
            switch self {
            case .throughput: point.opsPerSecInterval
            case .p99: point.p99Interval
            case .footprint: point.footprintInterval
            }
        }

        var higherIsBetter: Bool { self == .throughput }
    }

    public let engine: String
    public let workload: String
    public let threads: String
    /// Which figure footprint is: the allocator's own peak when every setting reports one,
    /// else the resident rise (a mix of the two would not compare).
    public let footprintMetric: CSVColumn
    public let points: [Point]
    /// Settings with no `ok` repetition.
    public let failed: [String]

    public var bestThroughput: Point? { leader(.throughput) }
    public var bestLatency: Point? { leader(.p99) }
    public var bestFootprint: Point? { leader(.footprint) }

    /// The setting with the best median for `objective`.
    public func leader(_ objective: Objective) -> Point? {
        let measured = points.filter { objective.median($0) != nil }
        return objective.higherIsBetter ? measured.max { objective.median($0)! < objective.median($1)! }
            : measured.min { objective.median($0)! < objective.median($1)! }
    }

    /// The leader and every setting whose interval overlaps the leader's: the settings the
    /// sweep cannot tell apart. One element: the leader is separated from the runner-up.
    public func cannotTellApart(_ objective: Objective) -> [Point] {
        guard let leader = leader(objective), let best = objective.interval(leader) else { return [] }
        return [leader] + points.filter { point in
            guard point != leader, let interval = objective.interval(point) else { return false }
            return interval.overlaps(best)
        }
    }

    /// Settings no other setting beats on both throughput and footprint, by footprint.
    public var pareto: [Point] {
        let measured = points.filter { $0.footprintBytes != nil }
        return measured.filter { point in
            !measured.contains { other in
                other.opsPerSec >= point.opsPerSec && other.footprintBytes! <= point.footprintBytes!
                    && (other.opsPerSec > point.opsPerSec || other.footprintBytes! < point.footprintBytes!)
            }
        }.sorted { $0.footprintBytes! < $1.footprintBytes! }
    }

    /// One result per (engine, workload, threads) that was run with two or more settings of
    /// the same engine: a `tune` CSV, or a `run` naming one engine several times.
    public static func sweeps(in records: [ResultRecord]) -> [TuningResult] {
        var order: [[String]] = [], groups: [[String]: [ResultRecord]] = [:]
        for record in records {
            let key = [record[.engine], record.workloadSpec, record[.threads]]
            if groups[key] == nil { order.append(key) }
            groups[key, default: []].append(record)
        }
        return order.compactMap { key in
            let rows = groups[key]!
            var settings: [String] = []
            for row in rows where !settings.contains(row[.engineParams]) { settings.append(row[.engineParams]) }
            guard settings.count >= 2 else { return nil }
            let bySetting = settings.map { setting in (setting, rows.filter { $0[.engineParams] == setting && $0.isOK }) }
            let ownFootprint = bySetting.allSatisfy { $0.1.isEmpty || $0.1.allSatisfy { $0.number(.ownFootprintBytes) != nil } }
            let points = bySetting.filter { !$0.1.isEmpty }.map { setting, ok in
                let throughput = ok.compactMap { $0.number(.opsPerSec) }, p99 = ok.compactMap { $0.number(.p99Ns) }
                let footprint = ok.compactMap { ownFootprint ? $0.number(.ownFootprintBytes) : $0.number(.residentBytesPeak) }
                return Point(parameters: setting, okRuns: ok.count, opsPerSec: Summary.median(throughput) ?? 0,
                             p99Ns: Summary.median(p99), footprintBytes: Summary.median(footprint),
                             opsPerSecInterval: Summary.medianInterval(throughput), p99Interval: Summary.medianInterval(p99),
                             footprintInterval: Summary.medianInterval(footprint))
            }
            // Every setting skipped or failed (cross-free at 1 thread): nothing to compare or plot.
            guard !points.isEmpty else { return nil }
            return TuningResult(engine: key[0], workload: key[1], threads: key[2],
                                footprintMetric: ownFootprint ? .ownFootprintBytes : .residentBytesPeak,
                                points: points, failed: bySetting.filter { $0.1.isEmpty }.map(\.0))
        }
    }
}
