import Synchronization

/// A consistent-enough snapshot of the page allocator for reports: each zone is read under its
/// lock, per-CPU lists under their try-lock (a busy list reports its last counters).
public struct PageAllocatorStatistics: Sendable {
    public struct PerCPU: Sendable {
        public var cpu: Int
        public var count: Int
        public var high: Int
        public var highMin: Int
        public var highMax: Int
        public var batch: Int
        /// The refill batch's current doubling (0...5) and the pages freed in a row.
        public var allocFactor: Int
        public var freeCount: Int
        public var allocations: Int
        public var frees: Int
        public var refills: Int
        public var drains: Int
        public var lockMisses: Int
        /// The allocations among the lock misses.
        public var allocLockMisses: Int
    }

    public struct ZoneStatistics: Sendable {
        public var type: ZoneType
        public var startPfn: Int
        public var spannedPages: Int
        public var freePages: Int
        public var watermarks: Watermarks
        /// lowmem_reserve indexed by the request's highest zone (DMA, DMA32, Normal).
        public var lowmemReserve: [Int]
        /// Free blocks per order (buddyinfo), and per order and migratetype (pagetypeinfo).
        public var freeBlocks: [Int]
        public var freeBlocksByType: [[Int]]
        public var allocatedFromZone: Int
        public var freedToZone: Int
        public var perCPU: [PerCPU]

        public var pcpPages: Int { perCPU.reduce(0) { $0 + $1.count } }
    }

    public var zones: [ZoneStatistics]
    public var events: [(name: String, value: Int)]
    public var minFreeKbytes: Int
    public var sleepViolations: Int
    public var allocationFailureReports: Int
    public var oomReports: Int
    /// Failures injected by fail_page_alloc and by failslab.
    public var injectedPageAllocFailures: Int
    public var injectedSlabFailures: Int

    public func zone(_ type: ZoneType) -> ZoneStatistics { zones.first { $0.type == type }! }
    public func event(_ event: VMEvent) -> Int { events.first { $0.name == event.name }!.value }
    public var freePages: Int { zones.reduce(0) { $0 + $1.freePages } }
    public var pcpPages: Int { zones.reduce(0) { $0 + $1.pcpPages } }
}

extension PageAllocator {
    public func statistics() -> PageAllocatorStatistics {
        let zoneStatistics = ZoneType.allCases.map { type in
            let zone = self.zone(type)
            zone.pointee.lock.lock()
            let blocksByType = (0...PageAllocator.maxOrder).map { order in
                MigrateType.allCases.map { zone.pointee.freeBlocks(order: order, type: $0) }
            }
            let reserve = zone.pointee.lowmemReserve
            var result = PageAllocatorStatistics.ZoneStatistics(
                type: type, startPfn: zone.pointee.startPfn, spannedPages: zone.pointee.spannedPages,
                freePages: zone.pointee.freePages.load(ordering: .relaxed),
                watermarks: zone.pointee.watermarks, lowmemReserve: [reserve.0, reserve.1, reserve.2],
                freeBlocks: blocksByType.map { $0.reduce(0, +) }, freeBlocksByType: blocksByType,
                allocatedFromZone: zone.pointee.allocatedFromZone.load(ordering: .relaxed),
                freedToZone: zone.pointee.freedToZone.load(ordering: .relaxed), perCPU: [])
            zone.pointee.lock.unlock()
            result.perCPU = (0..<cpus).map { perCPUStatistics(zone.pointee.pcp($0), cpu: $0) }
            return result
        }
        return PageAllocatorStatistics(
            zones: zoneStatistics,
            events: VMEvent.allCases.map { ($0.name, events[$0]) },
            minFreeKbytes: minFreeKbytes,
            sleepViolations: log.count(.sleepInAtomic),
            allocationFailureReports: log.count(.allocationFailure),
            oomReports: log.count(.oom),
            injectedPageAllocFailures: failPageAlloc.injectedFailures,
            injectedSlabFailures: failslab.injectedFailures)
    }

    func perCPUStatistics(_ pcp: UnsafeMutablePointer<PerCPUPages>, cpu: Int) -> PageAllocatorStatistics.PerCPU {
        let locked = pcp.pointee.lock.tryLock()
        defer { if locked { pcp.pointee.lock.unlock() } }
        return .init(cpu: cpu, count: locked ? pcp.pointee.count : -1, high: pcp.pointee.high,
                     highMin: pcp.pointee.highMin, highMax: pcp.pointee.highMax, batch: pcp.pointee.batch,
                     allocFactor: pcp.pointee.allocFactor, freeCount: pcp.pointee.freeCount,
                     allocations: pcp.pointee.allocations.load(ordering: .relaxed),
                     frees: pcp.pointee.frees.load(ordering: .relaxed),
                     refills: pcp.pointee.refills.load(ordering: .relaxed),
                     drains: pcp.pointee.drains.load(ordering: .relaxed),
                     lockMisses: pcp.pointee.lockMisses.load(ordering: .relaxed),
                     allocLockMisses: pcp.pointee.allocLockMisses.load(ordering: .relaxed))
    }
}

extension PageAllocatorStatistics {
    /// /proc/buddyinfo: free blocks per order, one line per zone.
    public var buddyinfo: String {
        zones.filter { $0.spannedPages > 0 }.map { zone in
            "Node 0, zone " + zone.type.name.leftPadded(8) + " "
                + zone.freeBlocks.map { String($0).leftPadded(6) }.joined(separator: " ")
        }.joined(separator: "\n") + "\n"
    }

    /// /proc/pagetypeinfo's free-block table: per zone, migratetype and order.
    public var pagetypeinfo: String {
        var lines = ["Free pages count per migrate type at order " + (0...PageAllocator.maxOrder)
            .map { String($0).leftPadded(6) }.joined(separator: " ")]
        for zone in zones where zone.spannedPages > 0 {
            for type in MigrateType.allCases {
                lines.append("Node    0, zone " + zone.type.name.leftPadded(8) + ", type "
                             + type.name.rightPadded(12) + " "
                             + zone.freeBlocksByType.map { String($0[type.rawValue]).leftPadded(6) }
                                 .joined(separator: " "))
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// /proc/zoneinfo, the fields the model keeps.
    public var zoneinfo: String {
        var lines: [String] = []
        for zone in zones {
            lines.append("Node 0, zone " + zone.type.name.leftPadded(8))
            lines.append("  pages free     \(zone.freePages)")
            lines.append("        min      \(zone.watermarks.min)")
            lines.append("        low      \(zone.watermarks.low)")
            lines.append("        high     \(zone.watermarks.high)")
            lines.append("        spanned  \(zone.spannedPages)")
            lines.append("        present  \(zone.spannedPages)")
            lines.append("        managed  \(zone.spannedPages)")
            lines.append("        protection: (\(zone.lowmemReserve.map(String.init).joined(separator: ", ")))")
            lines.append("      nr_free_pages \(zone.freePages)")
            lines.append("      pgalloc_zone \(zone.allocatedFromZone)")
            lines.append("      pgfree_zone  \(zone.freedToZone)")
            guard zone.spannedPages > 0 else { continue }
            lines.append("  pagesets")
            for pcp in zone.perCPU {
                lines += Self.pageset(cpu: pcp.cpu, count: pcp.count, high: pcp.high, batch: pcp.batch,
                                      highMin: pcp.highMin, highMax: pcp.highMax)
                // Where the kernel prints its vm stats threshold, which the model has not.
                lines.append("  pcp tuning: alloc_factor \(pcp.allocFactor) free_count \(pcp.freeCount) alloc \(pcp.allocations) "
                             + "free \(pcp.frees) refill \(pcp.refills) drain \(pcp.drains) lock_miss \(pcp.lockMisses)")
            }
            lines.append("  start_pfn:           \(zone.startPfn)")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// One CPU's lines of a zone's "pagesets" in /proc/zoneinfo (zoneinfo_show_print); a count
    /// that could not be read because the pcp stayed busy shows as "busy".
    public static func pageset(cpu: Int, count: Int, high: Int, batch: Int, highMin: Int, highMax: Int) -> [String] {
        ["    cpu: \(cpu)",
         "              count:    \(count < 0 ? "busy" : String(count))",
         "              high:     \(high)",
         "              batch:    \(batch)",
         "              high_min: \(highMin)",
         "              high_max: \(highMax)"]
    }

    /// The slow-path counters, as /proc/vmstat lines, plus the kernel-log counts.
    public var vmstat: String {
        (events.map { "\($0.name) \($0.value)" }
            + ["min_free_kbytes \(minFreeKbytes)", "sleep_in_atomic \(sleepViolations)",
               "page_allocation_failure_reports \(allocationFailureReports)", "oom_reports \(oomReports)",
               "fail_page_alloc_injected \(injectedPageAllocFailures)",
               "failslab_injected \(injectedSlabFailures)"])
            .joined(separator: "\n") + "\n"
    }
}

extension String {
    func leftPadded(_ width: Int) -> String { String(repeating: " ", count: max(0, width - count)) + self }
    func rightPadded(_ width: Int) -> String { self + String(repeating: " ", count: max(0, width - count)) }
}
