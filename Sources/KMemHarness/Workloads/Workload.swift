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

    func run<E: Engine>(on engine: E, _ context: WorkloadContext)
}

extension Workload {
    public var minimumThreads: Int { 1 }
}

/// What `list` and the documentation show for a workload.
public struct WorkloadInfo: Sendable {
    public let name: String
    /// The allocation pattern, in a sentence or two.
    public let pattern: String
    /// What it stands for: the program or kernel path it models.
    public let models: String
    public let parameters: [ParameterSchema]

    public init(name: String, pattern: String, models: String, parameters: [ParameterSchema]) {
        self.name = name
        self.pattern = pattern
        self.models = models
        self.parameters = parameters
    }
}
