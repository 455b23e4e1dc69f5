/// `alloc-test`: random replacement with a Pareto size distribution, from the published
/// description of mimalloc-bench's alloc-test.
public struct AllocTest: Workload {
    public static let info = WorkloadInfo(
        name: "alloc-test",
        pattern: "each thread keeps slots blocks whose sizes follow a Pareto distribution (shape alpha, from min, "
            + "cut at max) and replaces a random one per round",
        models: "application heaps dominated by small objects with a heavy tail (mimalloc-bench alloc-test)",
        parameters: [smallest.schema, largest.schema, alpha.schema, slots.schema])

    static let smallest = Parameter.bytes("min", default: "8", 1...(1 << 20), "scale (smallest size)")
    static let largest = Parameter.bytes("max", default: "1K", 1...(1 << 24), "largest size")
    static let alpha = Parameter.number("alpha", default: 1.2, 0.1...10, "Pareto shape")
    static let slots = Parameter.integer("slots", default: 4096, 1...1_000_000, "blocks each thread holds")

    let churn: SlotChurn

    public init(_ values: ParameterValues) {
        let low = values[Self.smallest]
        churn = SlotChurn(kind: .objects,
                          distribution: .pareto(alpha: values[Self.alpha], low...max(low, values[Self.largest])),
                          slots: values[Self.slots])
    }

    public var requestKinds: RequestKinds { .objects }

    public func run<E: Engine>(on engine: E, _ context: WorkloadContext) { churn.run(on: engine, context) }
}
