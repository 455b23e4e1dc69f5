/// The buddy allocator of one zone: free lists per order and migratetype, split on
/// allocation, merge with the buddy on free. Every function here runs with the zone lock held.
extension Zone {
    // MARK: free lists (doubly linked through the page descriptors, by pfn)

    @inlinable func listIndex(_ order: Int, _ type: Int) -> Int { order * Zone.types + type }

    func addToFreeList(_ pfn: Int, order: Int, type: Int) {
        lock.assertHeld()
        let page = pages + pfn
        let index = listIndex(order, type)
        let head = freeHeads[index]
        page.pointee.setType(.buddy)
        page.pointee.order = UInt8(order)
        page.pointee.listType = UInt8(type)
        page.pointee.prev = -1
        page.pointee.next = head
        if head >= 0 { pages[Int(head)].prev = Int32(pfn) }
        freeHeads[index] = Int32(pfn)
        freeCounts[index] += 1
    }

    func removeFromFreeList(_ pfn: Int) {
        lock.assertHeld()
        let page = pages + pfn
        let index = listIndex(Int(page.pointee.order), Int(page.pointee.listType))
        let next = page.pointee.next
        let prev = page.pointee.prev
        if prev >= 0 { pages[Int(prev)].next = next } else { freeHeads[index] = next }
        if next >= 0 { pages[Int(next)].prev = prev }
        page.pointee.setType(.none)
        page.pointee.next = -1
        page.pointee.prev = -1
        freeCounts[index] -= 1
    }

    // MARK: allocation

    /// Splits a free block of `high` order taken at `pfn` down to `low`, putting each upper
    /// half back on the `type` lists (the kernel's expand()).
    func expand(_ pfn: Int, low: Int, high: Int, type: Int) {
        var order = high
        while order > low {
            order -= 1
            addToFreeList(pfn + (1 << order), order: order, type: type)
        }
    }

    /// __rmqueue_smallest: the smallest order with a block of this type, split down.
    func rmqueueSmallest(order: Int, type: Int) -> Int? {
        for current in order...PageAllocator.maxOrder {
            let head = freeHeads[listIndex(current, type)]
            guard head >= 0 else { continue }
            let pfn = Int(head)
            removeFromFreeList(pfn)
            expand(pfn, low: order, high: current, type: type)
            return pfn
        }
        return nil
    }

    /// __rmqueue_fallback: this type's lists are empty, so steal the largest block of a
    /// fallback type (largest first, to keep types from interleaving in small pieces). A
    /// large enough steal claims the whole pageblock for the new type, moving its free blocks.
    func rmqueueFallback(order: Int, type: MigrateType) -> Int? {
        let (first, second) = type.fallbacks
        for current in stride(from: PageAllocator.maxOrder, through: order, by: -1) {
            for fallback in [first, second] {
                let head = freeHeads[listIndex(current, fallback.rawValue)]
                guard head >= 0 else { continue }
                let pfn = Int(head)
                let claims = current >= Zone.pageblockOrder / 2 || type != .movable
                if claims { claimPageblocks(around: pfn, order: current, for: type) }
                removeFromFreeList(pfn)
                expand(pfn, low: order, high: current, type: claims ? type.rawValue : fallback.rawValue)
                return pfn
            }
        }
        return nil
    }

    /// Moves the pageblock(s) holding `pfn` to `type`, and their free blocks with them.
    func claimPageblocks(around pfn: Int, order: Int, for type: MigrateType) {
        let span = max(order, Zone.pageblockOrder)
        let start = max(startPfn, pfn & ~((1 << span) - 1))
        let end = min(endPfn, start + (1 << span))
        var block = start
        while block < end {
            setPageblockType(of: block, type)
            block += 1 << Zone.pageblockOrder
        }
        var scan = start
        while scan < end {
            let page = pages + scan
            if page.pointee.pageType == .buddy {
                let blockOrder = Int(page.pointee.order)
                if Int(page.pointee.listType) != type.rawValue {
                    removeFromFreeList(scan)
                    addToFreeList(scan, order: blockOrder, type: type.rawValue)
                }
                scan += 1 << blockOrder
            } else {
                scan += 1
            }
        }
    }

    /// Takes a block of `order` for `type`, or nil if the zone has none. Updates NR_FREE_PAGES.
    func rmqueue(order: Int, type: MigrateType) -> Int? {
        guard let pfn = rmqueueSmallest(order: order, type: type.rawValue)
            ?? rmqueueFallback(order: order, type: type) else { return nil }
        freePages.wrappingSubtract(1 << order, ordering: .relaxed)
        return pfn
    }

    // MARK: free

    /// __free_one_page: merges the block at `pfn` with its buddy while the buddy is a free
    /// block of the same order (buddy_pfn = pfn ^ (1 << order)), then lists the result on its
    /// pageblock's type. Updates NR_FREE_PAGES.
    @usableFromInline func freeOneBlock(_ pfn: Int, order: Int) {
        var pfn = pfn
        var order = order
        freePages.wrappingAdd(1 << order, ordering: .relaxed)
        while order < PageAllocator.maxOrder {
            let buddyPfn = pfn ^ (1 << order)
            guard contains(pfn: buddyPfn) else { break }
            let buddy = pages + buddyPfn
            guard buddy.pointee.pageType == .buddy, Int(buddy.pointee.order) == order else { break }
            removeFromFreeList(buddyPfn)
            pfn &= buddyPfn
            order += 1
        }
        addToFreeList(pfn, order: order, type: pageblockType(of: pfn).rawValue)
    }

    /// Hands the zone's whole pfn range to the free lists in the largest aligned blocks.
    func freeAllRange() {
        var pfn = startPfn
        while pfn < endPfn {
            var order = PageAllocator.maxOrder
            while order > 0 && (pfn & ((1 << order) - 1) != 0 || pfn + (1 << order) > endPfn) { order -= 1 }
            freeOneBlock(pfn, order: order)
            pfn += 1 << order
        }
    }
}
