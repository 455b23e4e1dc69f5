/// `batch`: each thread allocates `count` blocks, then frees them all, in allocation order
/// (fifo) or the reverse (lifo).
public struct Batch: Workload {
    public static let info = WorkloadInfo(
        name: "batch",
        pattern: "each thread: allocate count blocks, then free all of them (one round = 2 x count operations)",
        models: "bursts that outgrow a per-CPU cache: refills from and flushes to the shared layer",
        parameters: [BlockKind.parameter.schema, size.schema, order.schema, count.schema, freeOrder.schema])

    static let size = Parameter.bytes("size", default: "64", 1...(1 << 30), "object size (kind=objects)")
    static let order = Parameter.integer("order", default: 0, 0...10, "page order (kind=pages)")
    static let count = Parameter.integer("count", default: 1000, 1...1_000_000, "blocks per batch")
    static let freeOrder = Parameter.choice("free_order", default: FreeOrder.fifo, "order of the frees")

    public enum FreeOrder: String, CaseIterable, Sendable { case fifo, lifo }

    let kind: BlockKind
    let amount: Int
    let count: Int
    let lifo: Bool

    public init(_ values: ParameterValues) {
        kind = values[BlockKind.parameter]
        amount = kind == .pages ? values[Self.order] : values[Self.size]
        count = values[Self.count]
        lifo = values[Self.freeOrder] == .lifo
    }

    public var requestKinds: RequestKinds { kind.requestKinds }
    public var largestObject: Int? { kind == .pages ? nil : amount }

    public func run<E: Engine>(on engine: E, _ context: WorkloadContext) {
        context.runThreads(engine) { [self] _, driver in
            let held = BlockArray(count: count)
            defer { held.deallocate() }
            var round = 0
            while driver.more(round) {
                for index in 0..<count { held[index] = (driver.allocate(kind, amount), amount) }
                for step in 0..<count {
                    let index = lifo ? count - 1 - step : step
                    if let block = held.blocks[index] { driver.free(kind, block, amount) }
                }
                round &+= 1
            }
        }
    }
}
