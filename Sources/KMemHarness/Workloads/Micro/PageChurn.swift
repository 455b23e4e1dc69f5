/// `page-churn`: each thread holds `slots` page blocks of random orders and replaces a random
/// one each round.
public struct PageChurn: Workload {
    public static let info = WorkloadInfo(
        name: "page-churn",
        pattern: "each thread keeps slots blocks of orders 0..max_order; a round frees a random slot's block "
            + "and allocates a new one of a random order (2 operations)",
        models: "mixed-order page traffic (page cache, THP fallbacks, skb frags): pcp hits for orders <= 3, "
            + "buddy splits and merges above",
        parameters: [maxOrder.schema, slots.schema])

    static let maxOrder = Parameter.integer("max_order", default: 3, 0...10, "highest order drawn (uniform from 0)")
    static let slots = Parameter.integer("slots", default: 64, 1...1_000_000, "blocks each thread holds")

    let churn: SlotChurn

    public init(_ values: ParameterValues) {
        churn = SlotChurn(kind: .pages, distribution: .uniform(0...values[Self.maxOrder]),
                          slots: values[Self.slots])
    }

    public var requestKinds: RequestKinds { .pages }

    public func run<E: Engine>(on engine: E, _ context: WorkloadContext) { churn.run(on: engine, context) }
}
