/// `larson`: Larson and Krishnan's server simulation, from its published description.
public struct Larson: Workload {
    public static let info = WorkloadInfo(
        name: "larson",
        pattern: "each thread keeps a pool of chunks of random sizes (uniform min..max) and replaces a random "
            + "one per round; every epoch rounds it hands its pool to the next thread through a mailbox, so "
            + "later frees hit blocks other threads allocated",
        models: "a server whose worker threads inherit their predecessors' objects (mimalloc-bench larson)",
        parameters: [smallest.schema, largest.schema, chunks.schema, epoch.schema])

    static let smallest = Parameter.bytes("min", default: "8", 1...(1 << 20), "smallest chunk")
    static let largest = Parameter.bytes("max", default: "1000", 1...(1 << 20), "largest chunk")
    static let chunks = Parameter.integer("chunks", default: 1000, 1...1_000_000, "chunks per pool")
    static let epoch = Parameter.integer("epoch", default: 10000, 1...Int(Int32.max), "rounds between pool hand-offs")

    let churn: SlotChurn

    public init(_ values: ParameterValues) {
        let low = values[Self.smallest]
        churn = SlotChurn(kind: .objects, distribution: .uniform(low...max(low, values[Self.largest])),
                          slots: values[Self.chunks], exchange: .pools(rounds: values[Self.epoch]))
    }

    public var requestKinds: RequestKinds { .objects }

    public func run<E: Engine>(on engine: E, _ context: WorkloadContext) { churn.run(on: engine, context) }
}
