/// What a mempool draws on: mempool_create's alloc_fn, free_fn and pool_data in one value.
/// The slab and kmalloc pools are sources over a cache; the page pool is `PagePoolSource`.
public protocol MempoolSource: Sendable {
    associatedtype Element: Equatable
    /// mempool_alloc_t: one element, or nil; must not sleep unless `gfp` allows blocking.
    func alloc(_ gfp: GFP) -> Element?
    /// mempool_free_t: gives an element back to the underlying allocator.
    func free(_ element: Element)
    /// Throws when `element` cannot have come from this source, before mempool_free lets it
    /// into the reserve (where it would later be handed out).
    func check(_ element: Element) throws(KMemError)
    /// What an element in the reserve is, for the conservation audit; nil for elements the
    /// model kernel did not make (a MempoolFunctions pool over the caller's own allocator).
    func auditHolding(_ element: Element) -> AuditHolding?
}

extension MempoolSource {
    public func auditHolding(_ element: Element) -> AuditHolding? { nil }
}

/// mempool_create's shape: closures for alloc_fn and free_fn, with pool_data captured.
public struct MempoolFunctions<Element: Equatable>: MempoolSource {
    let allocate: @Sendable (GFP) -> Element?
    let release: @Sendable (Element) -> Void
    let validate: (@Sendable (Element) throws(KMemError) -> Void)?

    /// `check` may reject foreign elements; by default every element is accepted.
    public init(alloc: @escaping @Sendable (GFP) -> Element?, free: @escaping @Sendable (Element) -> Void,
                check: (@Sendable (Element) throws(KMemError) -> Void)? = nil) {
        allocate = alloc
        release = free
        validate = check
    }

    public func alloc(_ gfp: GFP) -> Element? { allocate(gfp) }
    public func free(_ element: Element) { release(element) }
    public func check(_ element: Element) throws(KMemError) { try validate?(element) }
}

/// mempool_alloc_pages / mempool_free_pages: blocks of 2^order pages.
public struct PagePoolSource: MempoolSource {
    public let allocator: PageAllocator
    public let order: Int

    public init(allocator: PageAllocator, order: Int) {
        self.allocator = allocator
        self.order = order
    }

    public func alloc(_ gfp: GFP) -> PagePointer? { allocator.allocPages(gfp, order: order) }

    /// The element passed `check`, so the free cannot fail.
    public func free(_ page: PagePointer) { try? allocator.freePages(page, order: order) }

    public func auditHolding(_ page: PagePointer) -> AuditHolding? { .pages(pfn: allocator.pfn(of: page), order: order) }

    public func check(_ page: PagePointer) throws(KMemError) {
        let pfn = allocator.pfn(of: page)
        guard pfn >= 0, pfn < allocator.memory.pageCount,
              page.pointee.refcount.load(ordering: .acquiring) == 1, Int(page.pointee.order) == order
        else { throw .foreignMempoolElement("pfn \(pfn) is not an allocated order-\(order) block") }
    }
}

/// mempool_alloc_slab / mempool_free_slab: elements are objects of one cache.
public struct SlabPoolSource: MempoolSource {
    public let slab: SlabAllocator
    public let cache: KmemCache

    public init(slab: SlabAllocator, cache: KmemCache) {
        self.slab = slab
        self.cache = cache
    }

    public func alloc(_ gfp: GFP) -> UnsafeMutableRawPointer? { slab.kmemCacheAlloc(cache, gfp) }

    /// The element passed `check`, so the free cannot fail.
    public func free(_ object: UnsafeMutableRawPointer) { try? slab.kmemCacheFree(cache, object) }

    public func auditHolding(_ object: UnsafeMutableRawPointer) -> AuditHolding? { .object(object) }

    public func check(_ object: UnsafeMutableRawPointer) throws(KMemError) {
        guard let page = cache.slabOf(object), page.pointee.flags.contains(.slab),
              page.pointee.slabCache == cache.opaqueSelf, cache.objectIndex(object, in: page) != nil else {
            throw .foreignMempoolElement("0x\(String(UInt(bitPattern: object), radix: 16)) is not an object of cache \(cache.name)")
        }
    }
}

/// mempool_kmalloc / mempool_kfree: elements are kmalloc'ed blocks of one size.
public struct KmallocPoolSource: MempoolSource {
    public let slab: SlabAllocator
    public let size: Int

    public init(slab: SlabAllocator, size: Int) {
        self.slab = slab
        self.size = size
    }

    public func alloc(_ gfp: GFP) -> UnsafeMutableRawPointer? { slab.kmalloc(size, gfp) }

    public func free(_ object: UnsafeMutableRawPointer) { try? slab.kfree(object) }

    public func auditHolding(_ object: UnsafeMutableRawPointer) -> AuditHolding? { .object(object) }

    public func check(_ object: UnsafeMutableRawPointer) throws(KMemError) {
        let isKmalloc = size > Kmalloc.maxCacheSize || slab.kmallocCacheOwning(object) != nil
        guard isKmalloc, (try? slab.ksize(object)).map({ $0 >= size }) == true else {
            throw .foreignMempoolElement("0x\(String(UInt(bitPattern: object), radix: 16)) is not a kmalloc block of \(size) bytes")
        }
    }
}

extension Mempool where Source == SlabPoolSource {
    /// mempool_create_slab_pool.
    public static func createSlabPool(minNr: Int, cache: KmemCache, slab: SlabAllocator) throws(KMemError) -> Mempool<SlabPoolSource>? {
        try Mempool<SlabPoolSource>(minNr: minNr, source: SlabPoolSource(slab: slab, cache: cache),
                                    sleepCheck: slab.pages.sleepCheck)
    }
}

extension Mempool where Source == KmallocPoolSource {
    /// mempool_create_kmalloc_pool.
    public static func createKmallocPool(minNr: Int, size: Int, slab: SlabAllocator) throws(KMemError) -> Mempool<KmallocPoolSource>? {
        try Mempool<KmallocPoolSource>(minNr: minNr, source: KmallocPoolSource(slab: slab, size: size),
                                       sleepCheck: slab.pages.sleepCheck)
    }
}
