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

    public var bestThroughput: Point? { points.max { $0.opsPerSec < $1.opsPerSec } }
    public var bestLatency: Point? { points.filter { $0.p99Ns != nil }.min { $0.p99Ns! < $1.p99Ns! } }
    public var bestFootprint: Point? { points.filter { $0.footprintBytes != nil }.min { $0.footprintBytes! < $1.footprintBytes! } }

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
            let ownFootprint = bySetting.allSatisfy { $0.1.isEmpty || $0.1.allSatisfy { $0.number(.ownFootprintBytesPeak) != nil } }
            let points = bySetting.filter { !$0.1.isEmpty }.map { setting, ok in
                Point(parameters: setting, okRuns: ok.count,
                      opsPerSec: Summary.median(ok.compactMap { $0.number(.opsPerSec) }) ?? 0,
                      p99Ns: Summary.median(ok.compactMap { $0.number(.p99Ns) }),
                      footprintBytes: Summary.median(ok.compactMap {
                          ownFootprint ? $0.number(.ownFootprintBytesPeak) : $0.number(.residentBytesPeak)
                      }))
            }
            // Every setting skipped or failed (cross-free at 1 thread): nothing to compare or plot.
            guard !points.isEmpty else { return nil }
            return TuningResult(engine: key[0], workload: key[1], threads: key[2],
                                footprintMetric: ownFootprint ? .ownFootprintBytesPeak : .residentBytesPeak,
                                points: points, failed: bySetting.filter { $0.1.isEmpty }.map(\.0))
        }
    }
}
