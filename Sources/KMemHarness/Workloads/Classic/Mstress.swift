/// `mstress`: power-of-two sizes, long-lived objects, objects passed between threads; from
/// the published description of mimalloc-bench's mstress.
public struct Mstress: Workload {
    public static let info = WorkloadInfo(
        name: "mstress",
        pattern: "each thread keeps slots blocks of power-of-two sizes (2^min_shift..2^max_shift) and replaces a "
            + "random one per round; long_lived of the slots are replaced 64 times less often, and one round in "
            + "transfer swaps the block with a board shared by all threads",
        models: "mimalloc-bench mstress (its per-phase thread re-creation is not modelled: Dispatch reuses threads)",
        parameters: [
            ParameterSchema("min_shift", default: "4", .integer(0...24), "smallest size, as a power of two"),
            ParameterSchema("max_shift", default: "12", .integer(0...24), "largest size, as a power of two"),
            ParameterSchema("slots", default: "2048", .integer(1...1_000_000), "blocks each thread holds"),
            ParameterSchema("long_lived", default: "0.1", .number(0...0.99), "share of long-lived slots"),
            ParameterSchema("transfer", default: "16", .integer(1...1_000_000), "one round in this many passes a block on"),
        ])

    let churn: SlotChurn

    public init(_ values: ParameterValues) {
        let low = values.int("min_shift")
        churn = SlotChurn(kind: .objects, distribution: .powerOfTwo(low...max(low, values.int("max_shift"))),
                          slots: values.int("slots"), exchange: .objects(oneIn: values.int("transfer")),
                          longLivedShare: values.double("long_lived"))
    }

    public var requestKinds: RequestKinds { .objects }

    public func run<E: Engine>(on engine: E, _ context: WorkloadContext) { churn.run(on: engine, context) }
}
