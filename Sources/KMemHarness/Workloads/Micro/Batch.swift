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
            // One loop per kind, as in `pair`: with the switch inside, every operation paid
            // four instructions choosing its kind (callgrind).
            switch kind {
            case .pages:
                repeatBatches(&driver, held) { $0.allocPages(order: amount) } free: { $0.freePages($1, order: amount) }
            default: // objects: the parameter offers no other kind
                repeatBatches(&driver, held) { $0.allocObject(size: amount) } free: { $0.freeObject($1, size: amount) }
            }
        }
    }

    @inline(__always)
    func repeatBatches<W>(_ driver: inout Driver<W>, _ held: BlockArray,
                          allocate: (inout Driver<W>) -> UnsafeMutableRawPointer?,
                          free: (inout Driver<W>, UnsafeMutableRawPointer) -> Void) {
        var round = 0
        while driver.more(round) {
            for index in 0..<count { held.blocks[index] = allocate(&driver) }
            for step in 0..<count {
                if let block = held.blocks[lifo ? count - 1 - step : step] { free(&driver, block) }
            }
            round &+= 1
        }
    }
}
