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

    /// __free_frozen_pages: the page is ours again; the orders pcp lists keep go to this
    /// CPU's pcp unless its lock is busy, in which case (and for other orders) straight to the
    /// zone (free_one_page).
    @inlinable
    func freePagesOK(_ page: PagePointer, pfn: Int, order: Int) {
        if page.pointee.flags.contains(.head) { clearCompound(page, order: order) }
        page.pointee.flags = []
        let task = kmem_shim_current_task()!
        if task.pointee.in_reclaim != 0 { task.pointee.reclaimed_pages &+= UInt64(1 << order) }
        let zone = zones + Int(page.pointee.zone)
        if order <= PerCPUPages.maxOrder || order == pcpTHPOrder {
            let pcp = zone.pointee.pcp(currentCPU)
            if pcp.pointee.lock.tryLock() {
                freePcpCommit(zone, pcp, pfn, order: order, type: Int(page.pointee.listType))
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

    /// free_frozen_page_commit (lock held): the page goes first on its list; a free halves the
    /// refill scaling and lengthens the run of frees. Past nr_pcp_high's threshold, nr_pcp_free's
    /// count of pages drains, from the list just freed to; a drain that finds the zone back
    /// above its high watermark clears ZONE_BELOW_HIGH.
    @inlinable @inline(__always)
    func freePcpCommit(_ zone: UnsafeMutablePointer<Zone>, _ pcp: UnsafeMutablePointer<PerCPUPages>,
                       _ pfn: Int, order: Int, type: Int) {
        pcp.pointee.allocFactor >>= 1
        let list = PerCPUPages.listIndex(order: order, type: type)
        pcp.push(pfn, list: list, order: order, type: type, pages: memory.pages)
        PerCPUPages.bump(pcp.pointee.frees)
        let batch = pcp.pointee.batch
        // Orders 1...3 fragment the zone while cached: a run of them with no allocation
        // between (free_high) drains at once. THP blocks and order 0 end such a run.
        var freeHigh = false
        if order != 0 && order <= PerCPUPages.maxOrder {
            let flags = pcp.pointee.flags
            freeHigh = pcp.pointee.freeCount >= batch + pcp.pointee.highMin / 2
                && flags & PerCPUPages.previousFreeHighOrder != 0
                && (flags & PerCPUPages.freeHighBatch == 0 || pcp.pointee.count >= batch)
            pcp.pointee.flags = flags | PerCPUPages.previousFreeHighOrder
        } else if pcp.pointee.flags & PerCPUPages.previousFreeHighOrder != 0 {
            pcp.pointee.flags &= ~PerCPUPages.previousFreeHighOrder
        }
        if pcp.pointee.freeCount < batch << PerCPUPages.batchScaleMax { pcp.pointee.freeCount &+= 1 << order }
        let zoneFlags = zone.pointee.flags.load(ordering: .relaxed)
        let high = pcp.drainThreshold(zoneFlags: zoneFlags, batch: batch, freeHigh: freeHigh)
        guard pcp.pointee.count >= high else { return }
        zone.pointee.drain(pcp, pages: pcp.drainCount(batch: batch, high: high, freeHigh: freeHigh), from: list)
        if zoneFlags & Zone.belowHigh != 0,
           zone.pointee.watermarkOK(order: 0, level: .high, highest: .normal, flags: []) {
            zone.pointee.clearFlag(Zone.belowHigh)
        }
    }

    @usableFromInline
    func clearCompound(_ page: PagePointer, order: Int) {
        for tail in 1..<(1 << order) {
            page[tail].flags = []
            page[tail].compoundHead = -1
        }
    }

    /// drain_all_pages: every CPU's pcp lists back to the zones, 32 batches per lock hold as
    /// drain_pages_zone takes them. A list whose lock stays busy is skipped (its holder is
    /// mid-operation and will drain it past its threshold itself). Returns the pages drained.
    @discardableResult
    public func drainAllPages() -> Int {
        var drained = 0
        for type in ZoneType.allCases {
            let zone = self.zone(type)
            for cpu in 0..<cpus {
                let pcp = zone.pointee.pcp(cpu)
                while PageAllocator.lockSoon(pcp) {
                    let count = pcp.pointee.count
                    zone.pointee.drain(pcp, pages: min(count, pcp.pointee.batch << PerCPUPages.batchScaleMax), from: 0)
                    drained += count - pcp.pointee.count
                    let left = pcp.pointee.count
                    pcp.pointee.lock.unlock()
                    if left == 0 { break }
                }
            }
        }
        events.count(.drainAll)
        return drained
    }

    /// Try-locks a pcp, yielding between tries; false if it stays busy for 1000 of them.
    static func lockSoon(_ pcp: UnsafeMutablePointer<PerCPUPages>) -> Bool {
        for _ in 0..<1000 {
            if pcp.pointee.lock.tryLock() { return true }
            sched_yield()
        }
        return false
    }

    /// refresh_cpu_vm_stats' pageset work for one CPU: decay_pcp_high on each zone's pcp (a
    /// busy pcp waits for the next round). True while some pcp has more to decay or drain.
    @discardableResult
    func refreshCPUVMStats(cpu: Int) -> Bool {
        var more = false
        for type in ZoneType.allCases where zone(type).pointee.isPopulated {
            let pcp = zone(type).pointee.pcp(cpu)
            guard pcp.pointee.lock.tryLock() else { more = true; continue }
            if zone(type).pointee.decayHigh(pcp) { more = true }
            pcp.pointee.lock.unlock()
        }
        return more
    }
}
