/// `larson`: Larson and Krishnan's server simulation, from its published description.
public struct Larson: Workload {
    public static let info = WorkloadInfo(
        name: "larson",
        pattern: "each thread keeps a pool of chunks of random sizes (uniform min..max) and replaces a random "
            + "one per round; every epoch rounds it hands its pool to the next thread through a mailbox, so "
            + "later frees hit blocks other threads allocated",
        models: "a server whose worker threads inherit their predecessors' objects (mimalloc-bench larson)",
        parameters: [
            ParameterSchema("min", default: "8", .bytes(1...(1 << 20)), "smallest chunk"),
            ParameterSchema("max", default: "1000", .bytes(1...(1 << 20)), "largest chunk"),
            ParameterSchema("chunks", default: "1000", .integer(1...1_000_000), "chunks per pool"),
            ParameterSchema("epoch", default: "10000", .integer(1...Int(Int32.max)), "rounds between pool hand-offs"),
        ])

    let churn: SlotChurn

    public init(_ values: ParameterValues) {
        let low = values.int("min")
        churn = SlotChurn(kind: .objects, distribution: .uniform(low...max(low, values.int("max"))),
                          slots: values.int("chunks"), exchange: .pools(rounds: values.int("epoch")))
    }

    public var requestKinds: RequestKinds { .objects }

    public func run<E: Engine>(on engine: E, _ context: WorkloadContext) { churn.run(on: engine, context) }
}
