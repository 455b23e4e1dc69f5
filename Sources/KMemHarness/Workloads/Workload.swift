/// A benchmark pattern. Each is documented (`WorkloadInfo`), takes `NAME[:key=value,...]`
/// parameters, and is deterministic for a seed: every random choice comes from
/// `context.random(stream:)`. `run` is generic over the engine so its loop is specialised
/// for each engine: no existential or witness-table call per operation.
public protocol Workload: Sendable {
    static var info: WorkloadInfo { get }

    /// Builds the workload from validated parameters (`info.parameters` filled in), read
    /// through the workload's `Parameter` declarations.
    init(_ values: ParameterValues)

    /// The request kinds this instance issues (may depend on its parameters).
    var requestKinds: RequestKinds { get }

    /// The fewest threads the pattern makes sense with.
    var minimumThreads: Int { get }

    /// The largest object (objects, caches or pools) this instance asks for, where a parameter
    /// sets it: a run refuses an engine that cannot serve it, as the engines would otherwise
    /// do different work.
    var largestObject: Int? { get }

    func run<E: Engine>(on engine: E, _ context: WorkloadContext)
}

extension Workload {
    public var minimumThreads: Int { 1 }
    public var largestObject: Int? { nil }
}

/// What `list` and the documentation show for a workload.
public struct WorkloadInfo: Sendable {
    public let name: String
    /// The allocation pattern, in a sentence or two.
    public let pattern: String
    /// What it stands for: the program or kernel path it models.
    public let models: String
    public let parameters: [ParameterSchema]
    /// The figure comparisons rank engines by on this workload.
    public let headline: Headline

    public init(name: String, pattern: String, models: String, parameters: [ParameterSchema],
                headline: Headline = .nsPerOp) {
        self.name = name
        self.pattern = pattern
        self.models = models
        self.parameters = parameters
        self.headline = headline
    }
}

/// What a workload's headline ratio compares; lower is better for every kind.
public enum Headline: Sendable, Equatable {
    /// Wall time per operation (the inverse of throughput).
    case nsPerOp
    /// One of the workload's own figures (workload_extra), such as a handler's latency.
    case figure(_ key: String)

    public var name: String {
        switch self {
        case .nsPerOp: "ns_per_op"
        case .figure(let key): key
        }
    }

    /// The headline of a workload by name (ns/op for one this build does not know).
    static func of(workload name: String) -> Headline {
        (try? WorkloadRegistry.entry(name))?.info.headline ?? .nsPerOp
    }

    func value(_ record: ResultRecord) -> Double? {
        switch self {
        case .nsPerOp: record.number(.nsPerOp)
        case .figure(let key): record.figures(.workloadExtra)[key]
        }
    }
}
