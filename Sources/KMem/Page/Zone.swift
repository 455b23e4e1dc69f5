import Synchronization

/// Watermarks of a zone, in pages.
public struct Watermarks: Sendable, Equatable {
    public var min: Int
    public var low: Int
    public var high: Int
}

/// Which watermark an allocation attempt is checked against.
@usableFromInline enum WatermarkLevel: Int { case min = 0, low = 1, high = 2 }

/// One memory zone: a pfn range with its buddy free lists (per order and migratetype), its
/// watermarks, and its per-CPU page lists.
///
/// Invariants kept under `lock`: every free page belongs to exactly one free block; a free
/// block's first page has type `.buddy`, its order, and sits on list [order][listType]; blocks are
/// aligned to their size; `freePages` equals the pages in all free blocks (pages on pcp lists
/// are not counted, as in the kernel's NR_FREE_PAGES).
@usableFromInline
struct Zone: ~Copyable {
    @usableFromInline static let orders = PageAllocator.maxOrder + 1
    @usableFromInline static let types = MigrateType.allCases.count
    /// 2 MiB pageblocks: the granule at which the zone groups pages by mobility.
    static let pageblockOrder = 9

    @usableFromInline let lock = SpinLock()
    @usableFromInline let type: ZoneType
    @usableFromInline let startPfn: Int
    @usableFromInline let endPfn: Int
    @usableFromInline let pages: PagePointer
    /// NR_FREE_PAGES: read without the lock by watermark checks.
    @usableFromInline let freePages = Atomic<Int>(0)
    /// zone->flags bits the pcp lists read (belowHigh, reclaimActive), set and cleared
    /// atomically; set only when not set already, so the line stays shared while it holds.
    @usableFromInline let flags = Atomic<Int>(0)
    /// ZONE_BELOW_HIGH: an allocation found the zone below its high watermark; pcp frees then
    /// shrink high and drain, until a drain sees the zone above it again.
    @inlinable static var belowHigh: Int { 1 << 0 }
    /// ZONE_RECLAIM_ACTIVE: kswapd is reclaiming the zone; pcp lists keep few pages.
    @inlinable static var reclaimActive: Int { 1 << 1 }
    @usableFromInline var watermarks = Watermarks(min: 0, low: 0, high: 0)
    /// lowmem_reserve[highest zone of the request]: pages kept from requests that could have
    /// used a higher zone.
    @usableFromInline var lowmemReserve: (Int, Int, Int) = (0, 0, 0)
    /// Free block counts per [order][migratetype], read under the lock.
    let freeCounts: UnsafeMutablePointer<Int>
    let freeHeads: UnsafeMutablePointer<Int32>
    let pageblockTypes: UnsafeMutablePointer<UInt8>
    /// The CPUs' pcp blocks, one per `PerCPUPages.blockSize` bytes so that no two CPUs share a
    /// cache line (false sharing doubled a 2-thread order-0 pair's cost).
    @usableFromInline let pcpBlocks: UnsafeMutableRawPointer
    @usableFromInline let cpus: Int

    // Events, updated with relaxed stores under the zone lock.
    @usableFromInline let allocatedFromZone = Atomic<Int>(0)
    @usableFromInline let freedToZone = Atomic<Int>(0)

    init(type: ZoneType, startPfn: Int, endPfn: Int, pages: PagePointer, cpus: Int) {
        self.type = type
        self.startPfn = startPfn
        self.endPfn = endPfn
        self.pages = pages
        self.cpus = cpus
        freeCounts = .allocate(capacity: Zone.orders * Zone.types)
        freeCounts.initialize(repeating: 0, count: Zone.orders * Zone.types)
        freeHeads = .allocate(capacity: Zone.orders * Zone.types)
        freeHeads.initialize(repeating: -1, count: Zone.orders * Zone.types)
        let blocks = max(1, (endPfn - startPfn + (1 << Zone.pageblockOrder) - 1) >> Zone.pageblockOrder)
        // Boot memory starts out movable, as the kernel marks it.
        pageblockTypes = .allocate(capacity: blocks)
        pageblockTypes.initialize(repeating: UInt8(MigrateType.movable.rawValue), count: blocks)
        pcpBlocks = .allocate(byteCount: cpus * PerCPUPages.blockSize, alignment: 64)
        for cpu in 0..<cpus {
            let block = pcpBlocks + cpu * PerCPUPages.blockSize
            let heads = (block + PerCPUPages.headsOffset).bindMemory(to: Int32.self, capacity: 2 * PerCPUPages.lists)
            heads.initialize(repeating: -1, count: 2 * PerCPUPages.lists)
            block.bindMemory(to: PerCPUPages.self, capacity: 1).initialize(to: PerCPUPages(heads: heads))
        }
    }

    deinit {
        freeCounts.deallocate()
        freeHeads.deallocate()
        pageblockTypes.deallocate()
        for cpu in 0..<cpus { pcp(cpu).deinitialize(count: 1) }
        pcpBlocks.deallocate()
    }

    @inlinable func pcp(_ cpu: Int) -> UnsafeMutablePointer<PerCPUPages> {
        (pcpBlocks + cpu &* PerCPUPages.blockSize).assumingMemoryBound(to: PerCPUPages.self)
    }

    var spannedPages: Int { endPfn - startPfn }
    @usableFromInline var isPopulated: Bool { endPfn > startPfn }

    @inlinable func contains(pfn: Int) -> Bool { pfn >= startPfn && pfn < endPfn }

    @inlinable func setFlag(_ flag: Int) {
        if flags.load(ordering: .relaxed) & flag == 0 { flags.bitwiseOr(flag, ordering: .relaxed) }
    }

    @inlinable func clearFlag(_ flag: Int) { flags.bitwiseAnd(~flag, ordering: .relaxed) }

    @inlinable func reserve(for highest: ZoneType) -> Int {
        switch highest {
        case .dma: lowmemReserve.0
        case .dma32: lowmemReserve.1
        case .normal: lowmemReserve.2
        }
    }

    func pageblockType(of pfn: Int) -> MigrateType {
        MigrateType(rawValue: Int(pageblockTypes[(pfn - startPfn) >> Zone.pageblockOrder]))!
    }

    func setPageblockType(of pfn: Int, _ type: MigrateType) {
        pageblockTypes[(pfn - startPfn) >> Zone.pageblockOrder] = UInt8(type.rawValue)
    }

    /// Free blocks of `order`, all migratetypes (lock held).
    func freeBlocks(order: Int) -> Int {
        lock.assertHeld()
        return (0..<Zone.types).reduce(0) { $0 + freeCounts[order * Zone.types + $1] }
    }

    func freeBlocks(order: Int, type: MigrateType) -> Int { freeCounts[order * Zone.types + type.rawValue] }
}
