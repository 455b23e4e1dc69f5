import CKMemShims
import Synchronization

extension PageAllocator {
    /// __free_pages: returns 2^order pages handed out by allocPages. Misuse (an order out of
    /// range, a page that is free already, was never handed out, or was allocated with another
    /// order) throws and changes nothing.
    @inlinable
    public func freePages(_ page: PagePointer, order: Int) throws(KMemError) {
        guard order >= 0 && order <= PageAllocator.maxOrder else { throw .invalidOrder(order) }
        let pfn = memory.pfn(of: page)
        guard pfn >= 0 && pfn < memory.pageCount else { throw .pfnOutOfRange(pfn, limit: memory.pageCount) }
        // One of two racing frees of the same page wins here; the other is reported. The order
        // is read only by the winner: the loser's read would race the winner's free.
        guard page.pointee.refcount.compareExchange(expected: 1, desired: 0, ordering: .acquiringAndReleasing).exchanged
        else { throw freeError(pfn) }
        guard Int(page.pointee.order) == order else {
            let allocated = Int(page.pointee.order)
            page.pointee.refcount.store(1, ordering: .releasing)
            throw .wrongOrder(pfn: pfn, allocated: allocated, freed: order)
        }
        freePagesOK(page, pfn: pfn, order: order)
    }

    /// free_pages: the same, by direct-map address.
    @inlinable
    public func freePages(address: UnsafeRawPointer, order: Int) throws(KMemError) {
        try freePages(memory.virtToPage(address), order: order)
    }

    /// free_page.
    @inlinable public func freePage(address: UnsafeRawPointer) throws(KMemError) {
        try freePages(address: address, order: 0)
    }

    @usableFromInline
    func freeError(_ pfn: Int) -> KMemError {
        memory.pages[pfn].pageType == .none ? .notAllocated(pfn: pfn) : .doubleFree(pfn: pfn)
    }

    /// __free_pages_ok: the page is ours again; small orders go to this CPU's pcp list unless
    /// its lock is busy, in which case (and for large orders) straight to the zone.
    @inlinable
    func freePagesOK(_ page: PagePointer, pfn: Int, order: Int) {
        if page.pointee.flags.contains(.head) { clearCompound(page, order: order) }
        page.pointee.flags = []
        let task = kmem_shim_current_task()!
        if task.pointee.in_reclaim != 0 { task.pointee.reclaimed_pages &+= UInt64(1 << order) }
        let zone = zones + Int(page.pointee.zone)
        if order <= PageAllocator.costlyOrder {
            let pcp = zone.pointee.pcp(currentCPU)
            if pcp.pointee.lock.tryLock() {
                pcp.push(pfn, order: order, type: Int(page.pointee.listType), pages: memory.pages)
                PerCPUPages.bump(pcp.pointee.frees)
                let excess = pcp.pointee.count - pcp.pointee.high
                if excess >= 0 { zone.pointee.drain(pcp, pages: excess + pcp.pointee.batch) }
                pcp.pointee.lock.unlock()
                return
            }
            pcp.pointee.lockMisses.wrappingAdd(1, ordering: .relaxed)
        }
        zone.pointee.lock.lock()
        zone.pointee.freeOneBlock(pfn, order: order)
        PerCPUPages.bump(zone.pointee.freedToZone)
        zone.pointee.lock.unlock()
    }

    @usableFromInline
    func clearCompound(_ page: PagePointer, order: Int) {
        for tail in 1..<(1 << order) {
            page[tail].flags = []
            page[tail].compoundHead = -1
        }
    }

    /// drain_all_pages: every CPU's pcp lists back to the zones. A list whose lock stays busy
    /// is skipped (its holder is mid-operation and will drain it past `high` itself).
    /// Returns the pages drained.
    @discardableResult
    public func drainAllPages() -> Int {
        var drained = 0
        for type in ZoneType.allCases {
            let zone = self.zone(type)
            for cpu in 0..<cpus {
                let pcp = zone.pointee.pcp(cpu)
                var tries = 0
                while !pcp.pointee.lock.tryLock() {
                    tries += 1
                    if tries > 1000 { break }
                    sched_yield()
                }
                guard tries <= 1000 else { continue }
                let count = pcp.pointee.count
                zone.pointee.drain(pcp, pages: count)
                drained += count - pcp.pointee.count
                pcp.pointee.lock.unlock()
            }
        }
        events.count(.drainAll)
        return drained
    }
}
