/// `alloc-test`: random replacement with a Pareto size distribution, from the published
/// description of mimalloc-bench's alloc-test.
public struct AllocTest: Workload {
    public static let info = WorkloadInfo(
        name: "alloc-test",
        pattern: "each thread keeps slots blocks whose sizes follow a Pareto distribution (shape alpha, from min, "
            + "cut at max) and replaces a random one per round",
        models: "application heaps dominated by small objects with a heavy tail (mimalloc-bench alloc-test)",
        parameters: [
            ParameterSchema("min", default: "8", .bytes(1...(1 << 20)), "scale (smallest size)"),
            ParameterSchema("max", default: "1K", .bytes(1...(1 << 24)), "largest size"),
            ParameterSchema("alpha", default: "1.2", .number(0.1...10), "Pareto shape"),
            ParameterSchema("slots", default: "4096", .integer(1...1_000_000), "blocks each thread holds"),
        ])

    let churn: SlotChurn

    public init(_ values: ParameterValues) {
        let low = values.int("min")
        churn = SlotChurn(kind: .objects,
                          distribution: .pareto(alpha: values.double("alpha"), low...max(low, values.int("max"))),
                          slots: values.int("slots"))
    }

    public var requestKinds: RequestKinds { .objects }

    public func run<E: Engine>(on engine: E, _ context: WorkloadContext) { churn.run(on: engine, context) }
}
