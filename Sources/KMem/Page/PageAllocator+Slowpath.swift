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
        if gfp.contains(.kswapdReclaim) { kswapd?.wake(order: order) }

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
            if gfp.contains(.noretry) { return failAllocation(gfp, order: order) }
            if costly && !gfp.contains(.retryMayfail) && !gfp.contains(.nofail) {
                return failAllocation(gfp, order: order)
            }
            if progress && !costly { noProgressLoops = 0 } else { noProgressLoops += 1 }
            if noProgressLoops <= PageAllocator.maxReclaimRetries && (progress || reclaimableEstimate(gfp) > 0) {
                continue
            }
            if gfp.contains(.retryMayfail) { return failAllocation(gfp, order: order) }
            if !costly { reportOOM(gfp, order: order) }
            guard gfp.contains(.nofail) else { return failAllocation(gfp, order: order) }
            // __GFP_NOFAIL: dip into the OOM reserve, then keep trying until memory is freed.
            if let page = getPageFromFreelist(gfp, order: order, level: .min,
                                              flags: flags.union([.minReserve, .oom])) {
                return page
            }
            noProgressLoops = 0
            kmem_shim_sleep_until(kmem_shim_monotonic_ns() + 1_000_000)
        }
    }

    /// warn_alloc, then NULL: "page allocation failure: order:N, mode:0x..(FLAGS)", rate
    /// limited as the kernel's nopage ratelimit (10 per 5 s), silenced by __GFP_NOWARN.
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

    /// The OOM path: the kernel would pick a victim and kill it; the model records the report
    /// and fails the request (no process is killed).
    func reportOOM(_ gfp: GFP, order: Int) {
        events.count(.oomEvents)
        log.record(.oom, "\(Current.name) invoked oom-killer: gfp_mask=0x\(String(gfp.rawValue, radix: 16))"
                   + "(\(gfp)), order=\(order), oom_score_adj=0\n"
                   + "Out of memory: no victim in the model; the request fails "
                   + "(free pages: \(freePagesTotal))")
    }

    /// Pages free in all zones (NR_FREE_PAGES summed).
    public var freePagesTotal: Int {
        ZoneType.allCases.reduce(0) { $0 + zones[$1.rawValue].freePages.load(ordering: .relaxed) }
    }
}
