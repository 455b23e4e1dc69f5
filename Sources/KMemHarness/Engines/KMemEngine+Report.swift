import KMem

/// The kmem engine's figures at the end of a cell: the page allocator's vmstat events, the
/// slab layer's per-CPU and depot figures summed over every cache, vmalloc's and the pools'.
extension KMemEngine {
    public func report() -> EngineReport {
        let statistics = kernel.pages.statistics()
        let slabs = kernel.slab.slabInfo()
        let vmalloc = kernel.vmalloc.statistics()
        let pools = self.pools.withLock { $0.map(\.statistics) }
        var report = EngineReport()
        report.allocationFailures = statistics.event(.allocationFailures) + slabs.reduce(0) { $0 + $1.allocFailures }
            + vmalloc.failures
        report.reserveUse = statistics.event(.reserveAllocations) + pools.reduce(0) { $0 + $1.fromReserve }
        report.reclaimEvents = statistics.event(.allocStalls) + statistics.event(.kswapdRuns)
        report.sleepViolations = kernel.pages.sleepCheck.violations
        for (name, value) in statistics.events { report.extra[name] = value }
        report.extra["pcp_pages"] = statistics.pcpPages
        let slabFigures: [(String, KeyPath<SlabInfo, Int>)] = [
            ("slab_allocs", \.allocations), ("slab_frees", \.frees), ("slab_alloc_misses", \.allocMisses),
            ("slab_free_misses", \.freeMisses), ("slab_depot_exchanges", \.depotExchanges),
            ("slab_depot_contention", \.depotContention), ("slab_magazine_growths", \.magazineGrowths),
            ("slab_slot_busy", \.slotBusy), ("slab_slot_busy_process", \.slotBusyProcess),
            ("slab_slot_busy_softirq", \.slotBusySoftirq), ("slab_slot_busy_hardirq", \.slotBusyHardirq),
            ("slab_cpu_waits", \.cpuWaits), ("slab_cpu_wait_ns", \.cpuWaitNs), ("slab_list_lock_contended", \.listLockContended),
            ("slab_slabs_allocated", \.slabsAllocated), ("slab_slabs_freed", \.slabsFreed),
            ("slab_alloc_failures", \.allocFailures),
        ]
        for (name, path) in slabFigures { report.extra[name] = slabs.reduce(0) { $0 + $1[keyPath: path] } }
        report.extra["slab_hits"] = report.extra["slab_allocs"]! - report.extra["slab_alloc_misses"]!
        // Which fast path ran: rseq falls back to the exchange where it does not apply.
        report.extra["slab_rseq_caches"] = slabs.count { $0.fastPath == .rseq }
        // The designs' own counters by their kernel names (slub_alloc_fastpath, ...).
        for info in slabs {
            for (name, value) in info.designStatistics { report.extra["\(info.design.rawValue)_\(name)", default: 0] += value }
        }
        report.extra["failslab_injected"] = kernel.pages.failslab.injectedFailures
        report.extra["fail_page_alloc_injected"] = kernel.pages.failPageAlloc.injectedFailures
        let vmallocFigures: [(String, Int)] = [
            ("vmalloc_areas", vmalloc.areas), ("vmalloc_lazy_pages", vmalloc.lazyPages),
            ("vmalloc_purges", vmalloc.purges), ("vmalloc_purged_areas", vmalloc.purgedAreas),
            ("vmalloc_map_calls", vmalloc.mapCalls), ("vmalloc_failures", vmalloc.failures),
            ("vmalloc_deferred_frees", vmalloc.deferredFrees),
        ]
        for (name, value) in vmallocFigures { report.extra[name] = value }
        if !pools.isEmpty {
            let poolFigures: [(String, KeyPath<MempoolStatistics, Int>)] = [
                ("mempool_from_reserve", \.fromReserve),
                ("mempool_waits", \.waits), ("mempool_failures", \.failures), ("mempool_refills", \.refills),
            ]
            for (name, path) in poolFigures { report.extra[name] = pools.reduce(0) { $0 + $1[keyPath: path] } }
        }
        return report
    }
}
