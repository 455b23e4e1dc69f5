/// One of N disjoint parts of a run, `I/N` with I from 1, so a large sweep can be split over
/// machines by any job runner. The unit split is a (workload, threads) group with all its
/// engines and repetitions: ratios against the reference engine and the repetitions' spread
/// then come from one machine, as Kalibera and Jones ask (compare inside one run). Groups
/// go round-robin, so each shard gets a deterministic, near-equal share.
public struct Shard: Equatable, Sendable, CustomStringConvertible {
    /// 1-based.
    public let index: Int
    public let count: Int

    public static let whole = Shard(index: 1, count: 1)

    public init(index: Int, count: Int) {
        self.index = index
        self.count = count
    }

    /// Parses `I/N`, 1 <= I <= N.
    public init(parsing text: String) throws(SpecError) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let index = Int(parts[0]), let count = Int(parts[1]) else {
            throw SpecError("malformed shard '\(text)': expected I/N, e.g. 2/4")
        }
        guard count >= 1, (1...count).contains(index) else {
            throw SpecError("shard '\(text)': need 1 <= I <= N")
        }
        self.init(index: index, count: count)
    }

    public var description: String { "\(index)/\(count)" }

    func contains(group: Int) -> Bool { group % count == index - 1 }
}

extension RunPlan {
    /// (workload, threads) groups: the units shards split.
    public var groupCount: Int { workloads.count * threads.count }

    /// This plan restricted to `shard`; a shard that would get no group is an error, since a
    /// job runner asking for it has more parts than the run has.
    public func restricted(to shard: Shard) throws(SpecError) -> RunPlan {
        guard shard.count <= groupCount else {
            throw SpecError("shard \(shard): the run has only \(groupCount) (workload, threads) groups to split; use N <= \(groupCount)")
        }
        var plan = self
        plan.shard = shard
        return plan
    }
}
