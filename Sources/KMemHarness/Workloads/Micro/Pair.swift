/// `pair`: the fast path. Each thread allocates one block and frees it at once, in a loop.
public struct Pair: Workload {
    public static let info = WorkloadInfo(
        name: "pair",
        pattern: "each thread: allocate one block, free it, repeat (one round = 2 operations); kind=caches uses a "
            + "named cache of size, kind=pools a pool of size with min_nr in reserve (warm: every allocation after "
            + "the first finds the allocator's per-CPU cache refilled by the free before it)",
        models: "the allocation fast path: a per-CPU cache hit followed by the free that refills it "
            + "(kmalloc, kmem_cache_alloc, mempool_alloc or alloc_pages)",
        parameters: [kind.schema, size.schema, order.schema, minNr.schema])

    static let kind = Parameter.choice("kind", default: BlockKind.objects,
        "objects (kmalloc/malloc of size), pages (alloc_pages of order), caches "
            + "(kmem_cache_alloc of a cache of size), pools (mempool_alloc over such a cache)")
    static let size = Parameter.bytes("size", default: "64", 1...(1 << 30), "object size (objects, caches, pools)")
    static let order = Parameter.integer("order", default: 0, 0...10, "page order (kind=pages)")
    static let minNr = Parameter.integer("min_nr", default: 16, 1...4096, "pool reserve (kind=pools)")

    let kind: BlockKind
    let amount: Int
    let minNr: Int

    public init(_ values: ParameterValues) {
        kind = values[Self.kind]
        amount = kind == .pages ? values[Self.order] : values[Self.size]
        minNr = values[Self.minNr]
    }

    public var requestKinds: RequestKinds { kind.requestKinds }
    public var largestObject: Int? { kind == .pages ? nil : amount }

    public func run<E: Engine>(on engine: E, _ context: WorkloadContext) {
        let handle = kind.makeHandle(engine, size: amount, minNr: minNr)
        // One loop per kind, so that the loop the cell runs has no switch in it (with one,
        // the optimizer outlined the free: a call and 37 instructions per round on glibc).
        context.runThreads(engine) { [kind, amount] _, driver in
            switch kind {
            case .objects:
                Self.repeatRounds(&driver) { if let block = $0.allocObject(size: amount) { $0.freeObject(block, size: amount) } }
            case .pages:
                Self.repeatRounds(&driver) { if let block = $0.allocPages(order: amount) { $0.freePages(block, order: amount) } }
            case .caches, .pools:
                Self.repeatRounds(&driver) {
                    if let block = $0.allocate(kind, amount, from: handle) { $0.free(kind, block, amount, from: handle) }
                }
            }
        }
        kind.release(handle, engine)
    }

    @inline(__always)
    static func repeatRounds<W>(_ driver: inout Driver<W>, _ round: (inout Driver<W>) -> Void) {
        var rounds = 0
        while driver.more(rounds) {
            round(&driver)
            rounds &+= 1
        }
    }
}
