/// `mstress`: power-of-two sizes, long-lived objects, objects passed between threads; from
/// the published description of mimalloc-bench's mstress.
public struct Mstress: Workload {
    public static let info = WorkloadInfo(
        name: "mstress",
        pattern: "each thread keeps slots blocks of power-of-two sizes (2^min_shift..2^max_shift) and replaces a "
            + "random one per round; long_lived of the slots are replaced 64 times less often, and one round in "
            + "transfer swaps the block with a board shared by all threads",
        models: "mimalloc-bench mstress (its per-phase thread re-creation is not modelled: Dispatch reuses threads)",
        parameters: [minShift.schema, maxShift.schema, slots.schema, longLived.schema, transfer.schema])

    static let minShift = Parameter.integer("min_shift", default: 4, 0...24, "smallest size, as a power of two")
    static let maxShift = Parameter.integer("max_shift", default: 12, 0...24, "largest size, as a power of two")
    static let slots = Parameter.integer("slots", default: 2048, 1...1_000_000, "blocks each thread holds")
    static let longLived = Parameter.number("long_lived", default: 0.1, 0...0.99, "share of long-lived slots")
    static let transfer = Parameter.integer("transfer", default: 16, 1...1_000_000,
        "one round in this many passes a block on")

    let churn: SlotChurn

    public init(_ values: ParameterValues) {
        let low = values[Self.minShift]
        churn = SlotChurn(kind: .objects, distribution: .powerOfTwo(low...max(low, values[Self.maxShift])),
                          slots: values[Self.slots], exchange: .objects(oneIn: values[Self.transfer]),
                          longLivedShare: values[Self.longLived])
    }

    public var requestKinds: RequestKinds { .objects }

    public func run<E: Engine>(on engine: E, _ context: WorkloadContext) { churn.run(on: engine, context) }
}
