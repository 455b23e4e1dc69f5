import KMem

/// What the kind-generic workloads allocate: objects (`amount` is a byte size), pages
/// (`amount` is an order), or, for `pair`, objects of a named cache or elements of a pool
/// (`amount` is the size; the workload makes the cache or pool and passes its handle).
public enum BlockKind: String, CaseIterable, Sendable {
    case objects, pages, caches, pools

    /// `kind` for the workloads that allocate objects or pages only (`pair` takes every kind).
    public static let parameter = Parameter.choice("kind", default: BlockKind.objects, among: [.objects, .pages],
                                                   "objects (kmalloc/malloc of size) or pages (alloc_pages of order)")

    public var requestKinds: RequestKinds {
        switch self {
        case .objects: .objects
        case .pages: .pages
        case .caches: .caches
        case .pools: .pools
        }
    }

    /// The cache or pool a `caches` or `pools` workload allocates from; a placeholder for the
    /// other kinds. Give it back with `release`.
    func makeHandle<E: Engine>(_ engine: E, size: Int, minNr: Int) -> EngineHandle {
        switch self {
        case .caches: engine.createCache(name: "bench-\(size)", size: size)
        case .pools: engine.createPool(name: "bench-pool-\(size)", size: size, minNr: minNr)
        case .objects, .pages: EngineHandle(size: size)
        }
    }

    func release<E: Engine>(_ handle: EngineHandle, _ engine: E) {
        if self == .caches { engine.destroyCache(handle) }
        if self == .pools { engine.destroyPool(handle) }
    }
}

// Objects and pages are inlined into the loops; caches and pools are called out of line. With
// all four inlined the optimizer outlined the whole switch instead, a call and 58 instructions
// on every free of every kind (measured with callgrind on `pair`).
extension Driver {
    @inlinable @inline(__always)
    public mutating func allocate(_ kind: BlockKind, _ amount: Int, from handle: EngineHandle? = nil,
                                  gfp: GFP = .kernel) -> UnsafeMutableRawPointer? {
        switch kind {
        case .objects: allocObject(size: amount, gfp: gfp)
        case .pages: allocPages(order: amount, gfp: gfp)
        case .caches, .pools: allocateHandled(kind, handle.unsafelyUnwrapped, gfp: gfp)
        }
    }

    @inlinable @inline(__always)
    public mutating func free(_ kind: BlockKind, _ block: UnsafeMutableRawPointer, _ amount: Int,
                              from handle: EngineHandle? = nil, remote: Bool = false) {
        switch kind {
        case .objects: freeObject(block, size: amount, remote: remote)
        case .pages: freePages(block, order: amount, remote: remote)
        case .caches, .pools: freeHandled(kind, block, handle.unsafelyUnwrapped, remote: remote)
        }
    }

    @inline(never)
    @usableFromInline mutating func allocateHandled(_ kind: BlockKind, _ handle: EngineHandle, gfp: GFP) -> UnsafeMutableRawPointer? {
        kind == .caches ? cacheAlloc(handle, gfp: gfp) : poolAlloc(handle, gfp: gfp)
    }

    @inline(never)
    @usableFromInline mutating func freeHandled(_ kind: BlockKind, _ block: UnsafeMutableRawPointer, _ handle: EngineHandle,
                                                remote: Bool) {
        if kind == .caches { cacheFree(handle, block, remote: remote) } else { poolFree(handle, block, remote: remote) }
    }
}
