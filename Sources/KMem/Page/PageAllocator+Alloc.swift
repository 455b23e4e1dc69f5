import CKMemShims
import Synchronization

/// ALLOC_* flags: how hard one attempt may dig into the reserves.
@usableFromInline
struct AllocFlags: OptionSet, Sendable {
    @usableFromInline let rawValue: UInt8
    @inlinable init(rawValue: UInt8) { self.rawValue = rawValue }
    /// ALLOC_NO_WATERMARKS: __GFP_MEMALLOC or a thread that is itself reclaiming.
    @usableFromInline static let noWatermarks = AllocFlags(rawValue: 1 << 0)
    /// ALLOC_MIN_RESERVE (__GFP_HIGH): half of the min watermark may be used.
    @usableFromInline static let minReserve = AllocFlags(rawValue: 1 << 1)
    /// ALLOC_NON_BLOCK: cannot reclaim; with minReserve a further quarter (down to 3/8 of min).
    @usableFromInline static let nonBlock = AllocFlags(rawValue: 1 << 2)
}

extension PageAllocator {
    /// alloc_pages: 2^order contiguous pages, or nil. The fast path tries every zone the flags
    /// allow against the low watermark; the slow path wakes kswapd, digs into the reserves the
    /// flags allow, reclaims if the caller may block, and may end in the OOM path.
    @inlinable
    public func allocPages(_ gfp: GFP, order: Int,
                           file: StaticString = #fileID, line: UInt = #line) -> PagePointer? {
        guard order >= 0 && order <= PageAllocator.maxOrder else {
            return rejectInvalidOrder(order, gfp, file: file, line: line)
        }
        let gfp = MemallocScope.effective(gfp)
        if gfp.allowsBlocking { SleepCheck.mightSleep(sleepCheck, "gfp: \(gfp)", file: file, line: line) }
        // should_fail_alloc_page: an injected failure returns NULL without the failure report.
        if failPageAlloc.isEnabled && failPageAlloc.shouldFailAllocPage(gfp, order: order) { return nil }
        if let page = getPageFromFreelist(gfp, order: order, level: .low, flags: []) {
            return page
        }
        return allocPagesSlowpath(gfp, order: order, file: file, line: line)
    }

    /// alloc_page: one page.
    @inlinable
    public func allocPage(_ gfp: GFP, file: StaticString = #fileID, line: UInt = #line) -> PagePointer? {
        allocPages(gfp, order: 0, file: file, line: line)
    }

    /// __get_free_pages: the direct-map address of 2^order new pages.
    @inlinable
    public func getFreePages(_ gfp: GFP, order: Int,
                             file: StaticString = #fileID, line: UInt = #line) -> UnsafeMutableRawPointer? {
        allocPages(gfp, order: order, file: file, line: line).map { memory.address(of: $0) }
    }

    /// __get_free_page.
    @inlinable
    public func getFreePage(_ gfp: GFP, file: StaticString = #fileID, line: UInt = #line) -> UnsafeMutableRawPointer? {
        getFreePages(gfp, order: 0, file: file, line: line)
    }

    /// get_zeroed_page.
    @inlinable
    public func getZeroedPage(_ gfp: GFP, file: StaticString = #fileID, line: UInt = #line) -> UnsafeMutableRawPointer? {
        getFreePages(gfp.union(.zero), order: 0, file: file, line: line)
    }

    /// page_address.
    @inlinable public func pageAddress(_ page: PagePointer) -> UnsafeMutableRawPointer { memory.address(of: page) }

    /// virt_to_page.
    @inlinable public func virtToPage(_ address: UnsafeRawPointer) throws(KMemError) -> PagePointer {
        try memory.virtToPage(address)
    }

    @inlinable public func pfn(of page: PagePointer) -> Int { memory.pfn(of: page) }

    // MARK: one attempt over the zone list

    /// get_page_from_freelist: the zones from the highest the flags allow down to DMA, each
    /// checked against the watermark (plus lowmem_reserve for the request's highest zone).
    /// A zone above its high watermark passes at once; one found below it is marked
    /// ZONE_BELOW_HIGH (noticed here rather than on the hotter free path), and checked against
    /// the request's watermark from then on.
    @inlinable
    func getPageFromFreelist(_ gfp: GFP, order: Int, level: WatermarkLevel, flags: AllocFlags) -> PagePointer? {
        let highest = gfp.highestZone
        var index = highest.rawValue
        while index >= 0 {
            let zone = zones + index
            index -= 1
            guard zone.pointee.isPopulated else { continue }
            if zone.pointee.flags.load(ordering: .relaxed) & Zone.belowHigh != 0
                || !zone.pointee.watermarkOK(order: order, level: .high, highest: highest, flags: flags) {
                zone.pointee.setFlag(Zone.belowHigh)
                guard zone.pointee.watermarkOK(order: order, level: level, highest: highest, flags: flags) else { continue }
            }
            if let pfn = rmqueue(zone, order: order, type: gfp.migrateType) {
                return prepNewPage(pfn, order: order, gfp: gfp)
            }
        }
        return nil
    }

    /// rmqueue: the orders pcp lists keep (pcp_allowed_order) through this CPU's pcp, unless
    /// its lock is busy or the zone cannot refill it; the rest straight from the zone's free
    /// lists.
    @inlinable
    func rmqueue(_ zone: UnsafeMutablePointer<Zone>, order: Int, type: MigrateType) -> Int? {
        if order <= PerCPUPages.maxOrder || order == pcpTHPOrder {
            let pcp = zone.pointee.pcp(currentCPU)
            if pcp.pointee.lock.tryLock() {
                let pfn = rmqueuePcplist(zone, pcp, order: order, type: type)
                pcp.pointee.lock.unlock()
                if pfn >= 0 { return pfn }
            } else {
                pcp.pointee.lockMisses.wrappingAdd(1, ordering: .relaxed)
                pcp.pointee.allocLockMisses.wrappingAdd(1, ordering: .relaxed)
            }
        }
        return rmqueueBuddy(zone, order: order, type: type)
    }

    /// rmqueue_pcplist and __rmqueue_pcplist (lock held): an allocation halves the run of
    /// frees that sizes the next drain, then takes the list's first page, refilling an empty
    /// list from the zone first. -1 when the zone has nothing for it.
    @inlinable @inline(__always)
    func rmqueuePcplist(_ zone: UnsafeMutablePointer<Zone>, _ pcp: UnsafeMutablePointer<PerCPUPages>,
                        order: Int, type: MigrateType) -> Int {
        pcp.pointee.freeCount >>= 1
        let list = PerCPUPages.listIndex(order: order, type: type.rawValue)
        var pfn = pcp.pop(list: list, order: order, pages: memory.pages)
        if pfn < 0, zone.pointee.refill(pcp, list: list, order: order, type: type) > 0 {
            pfn = pcp.pop(list: list, order: order, pages: memory.pages)
        }
        if pfn >= 0 { PerCPUPages.bump(pcp.pointee.allocations) }
        return pfn
    }

    @usableFromInline
    func rmqueueBuddy(_ zone: UnsafeMutablePointer<Zone>, order: Int, type: MigrateType) -> Int? {
        zone.pointee.lock.lock()
        let pfn = zone.pointee.rmqueue(order: order, type: type)
        if pfn != nil { PerCPUPages.bump(zone.pointee.allocatedFromZone) }
        zone.pointee.lock.unlock()
        return pfn
    }

    /// prep_new_page: the page is now the caller's. Compound pages mark their tails; zeroing
    /// is done here, as post_alloc_hook does for __GFP_ZERO.
    @inlinable
    func prepNewPage(_ pfn: Int, order: Int, gfp: GFP) -> PagePointer {
        let page = memory.pages + pfn
        page.pointee.flags = []
        page.pointee.order = UInt8(order)
        page.pointee.listType = UInt8(gfp.migrateType.rawValue)
        if order > 0 && gfp.contains(.comp) { prepCompoundPage(page, pfn: pfn, order: order) }
        if gfp.contains(.zero) {
            memory.address(of: page).initializeMemory(as: UInt8.self, repeating: 0,
                                                       count: PhysicalMemory.pageSize << order)
        }
        page.pointee.refcount.store(1, ordering: .releasing)
        return page
    }

    @usableFromInline
    func prepCompoundPage(_ page: PagePointer, pfn: Int, order: Int) {
        page.pointee.flags.insert(.head)
        for tail in 1..<(1 << order) {
            page[tail].flags = .tail
            page[tail].compoundHead = Int32(pfn)
        }
    }

    /// compound_head: the first page of the compound page `page` belongs to (itself otherwise).
    @inlinable public func compoundHead(_ page: PagePointer) -> PagePointer {
        page.pointee.flags.contains(.tail) ? memory.pages + Int(page.pointee.compoundHead) : page
    }

    /// The order a compound head was allocated with (0 for any page that is not a head).
    @inlinable public func compoundOrder(_ page: PagePointer) -> Int {
        page.pointee.flags.contains(.head) ? Int(page.pointee.order) : 0
    }

    @usableFromInline
    func rejectInvalidOrder(_ order: Int, _ gfp: GFP, file: StaticString, line: UInt) -> PagePointer? {
        // The kernel WARNs once and returns NULL for order > MAX_PAGE_ORDER unless NOWARN.
        if !gfp.contains(.nowarn) {
            log.record(.warning, "WARNING: at \(file):\(line): invalid order \(order) "
                       + "(MAX_PAGE_ORDER is \(PageAllocator.maxOrder)), mode:\(gfp)")
        }
        events.count(.allocationFailures)
        return nil
    }
}
