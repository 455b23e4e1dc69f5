import CKMemShims

extension PageAllocator {
    /// gfp_to_alloc_flags: reserve access by the request's flags.
    @usableFromInline
    func allocFlags(for gfp: GFP) -> AllocFlags {
        var flags: AllocFlags = []
        if gfp.contains(.high) { flags.insert(.minReserve) }
        if !gfp.allowsBlocking && !gfp.contains(.nomemalloc) { flags.insert(.nonBlock) }
        return flags
    }

    /// gfp_pfmemalloc_allowed: __GFP_MEMALLOC, or a thread inside reclaim (PF_MEMALLOC), may
    /// ignore the watermarks, unless __GFP_NOMEMALLOC forbids it.
    func mayIgnoreWatermarks(_ gfp: GFP) -> Bool {
        if gfp.contains(.nomemalloc) { return false }
        return gfp.contains(.memalloc) || isReclaiming
    }

    var isReclaiming: Bool { kmem_shim_current_task().pointee.in_reclaim != 0 }

    /// __alloc_pages_slowpath.
    @usableFromInline
    func allocPagesSlowpath(_ gfp: GFP, order: Int, file: StaticString, line: UInt) -> PagePointer? {
        let flags = allocFlags(for: gfp)
        let costly = order > PageAllocator.costlyOrder
        if gfp.contains(.kswapdReclaim) { kswapd?.wake(order: order, highest: gfp.highestZone) }

        if let page = getPageFromFreelist(gfp, order: order, level: .min, flags: flags) { return page }
        if mayIgnoreWatermarks(gfp),
           let page = getPageFromFreelist(gfp, order: order, level: .min, flags: [.noWatermarks]) {
            events.count(.reserveAllocations)
            return page
        }
        guard gfp.allowsBlocking else {
            if gfp.contains(.nofail) {
                log.record(.warning, "WARNING: at \(file):\(line): __GFP_NOFAIL without "
                           + "__GFP_DIRECT_RECLAIM cannot loop, mode:\(gfp)")
            }
            return failAllocation(gfp, order: order)
        }
        // A reclaiming thread must not recurse into reclaim.
        if isReclaiming { return failAllocation(gfp, order: order) }

        var noProgressLoops = 0
        while true {
            let progress = directReclaim(gfp, order: order)
            if let page = getPageFromFreelist(gfp, order: order, level: .min, flags: flags) { return page }
            if drainAllPages() > 0,
               let page = getPageFromFreelist(gfp, order: order, level: .min, flags: flags) {
                return page
            }
            // Only these retry: no __GFP_NORETRY, and a costly order only with __GFP_RETRY_MAYFAIL.
            if !gfp.contains(.noretry) && (!costly || gfp.contains(.retryMayfail)) {
                if shouldReclaimRetry(gfp, order: order, flags: flags, progress: progress,
                                      noProgressLoops: &noProgressLoops) {
                    continue
                }
                // Reclaim has failed us: the OOM killer.
                let oom = mayOOM(gfp, order: order)
                if let page = oom.page { return page }
                if oom.progress {
                    noProgressLoops = 0
                    continue
                }
            }
            // nopage: __GFP_NOFAIL dips into the min reserve and keeps trying until memory is freed.
            guard gfp.contains(.nofail) else { return failAllocation(gfp, order: order) }
            if let page = getPageFromFreelist(gfp, order: order, level: .min, flags: flags.union(.minReserve)) {
                return page
            }
            kmem_shim_sleep_until(kmem_shim_monotonic_ns() + PageAllocator.jiffyNanoseconds)
        }
    }

    /// should_reclaim_retry: at most MAX_RECLAIM_RETRIES rounds without progress (a costly
    /// order's progress does not count), and only while some eligible zone would pass its MIN
    /// watermark with everything reclaimable freed. The model's reclaimable memory is what the
    /// shrinkers count, for the whole node (the kernel counts each zone's LRU pages).
    func shouldReclaimRetry(_ gfp: GFP, order: Int, flags: AllocFlags, progress: Bool,
                            noProgressLoops: inout Int) -> Bool {
        if progress && order <= PageAllocator.costlyOrder { noProgressLoops = 0 } else { noProgressLoops += 1 }
        if noProgressLoops > PageAllocator.maxReclaimRetries { return false }
        let reclaimable = reclaimableEstimate(gfp)
        let highest = gfp.highestZone
        return (0...highest.rawValue).contains { index in
            let zone = zones + index
            return zone.pointee.isPopulated
                && zone.pointee.watermarkOK(order: order, level: .min, highest: highest, flags: flags,
                                            free: zone.pointee.freePages.load(ordering: .relaxed) + reclaimable)
        }
    }

    /// warn_alloc, then NULL: "page allocation failure: order:N, mode:0x..(FLAGS)", rate
    /// limited as the kernel's nopage_rs (one per 10 * HZ), silenced by __GFP_NOWARN.
    @usableFromInline
    func failAllocation(_ gfp: GFP, order: Int) -> PagePointer? {
        events.count(.allocationFailures)
        if gfp.contains(.nowarn) { return nil }
        warnAllocation("\(Current.name): page allocation failure: order:\(order), "
            + "mode:0x\(String(gfp.rawValue, radix: 16))(\(gfp)), nodemask=(null), context:\(Current.context.rawValue)")
        return nil
    }

    /// Records an allocation-failure report under the shared rate limit (vmalloc's reports
    /// come through here too).
    func warnAllocation(_ message: @autoclosure () -> String) {
        if allocationWarnings.allow() {
            log.record(.allocationFailure, message())
        } else {
            log.countOnly(.allocationFailure)
        }
    }

    /// Pages free in all zones (NR_FREE_PAGES summed).
    public var freePagesTotal: Int {
        ZoneType.allCases.reduce(0) { $0 + zones[$1.rawValue].freePages.load(ordering: .relaxed) }
    }
}
