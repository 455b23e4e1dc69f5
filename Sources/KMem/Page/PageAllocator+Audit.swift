/// The page allocator's part of the conservation audit (Audit/Kernel+Audit.swift): where its
/// free frames sit, and which blocks it has handed out.
extension PageAllocator {
    /// Claims every frame on a buddy free list or a pcp list in `frames`, walking the lists
    /// themselves (a frame freed twice bypassing the checks shows up twice), and reports what
    /// the walks find wrong. Every pcp lock and the zone lock are held while a zone is walked,
    /// so no drain moves a page between the two halves of the walk.
    func auditFreeFrames(_ frames: inout FrameMap, _ violations: inout [AuditViolation]) {
        for type in ZoneType.allCases where zone(type).pointee.isPopulated {
            let zone = self.zone(type)
            for cpu in 0..<cpus { zone.pointee.pcp(cpu).pointee.lock.lock() }
            zone.pointee.lock.lock()
            let buddy = "buddy free lists (\(type.name))"
            var problems = zone.pointee.checkFreeLists { block in
                frames.claim(block.lowerBound, count: block.count, as: buddy)
                return true
            }
            for cpu in 0..<cpus {
                let place = "pcp lists (\(type.name), CPU \(cpu))"
                problems += zone.pointee.pcp(cpu).pointee.check(pages: memory.pages, zone: type, cpu: cpu) { block in
                    frames.claim(block.lowerBound, count: block.count, as: place)
                    return true
                }
            }
            zone.pointee.lock.unlock()
            for cpu in 0..<cpus { zone.pointee.pcp(cpu).pointee.lock.unlock() }
            violations += problems.map { AuditViolation(.listCorrupt, $0) }
        }
        // A frame the walks met belongs to a listed block (a mark on a frame inside one is a
        // corruption the walks report); one they did not meet must carry no free mark.
        for pfn in 0..<memory.pageCount where memory.pages[pfn].pageType != .none && frames.owner(of: pfn) == nil {
            let mark = memory.pages[pfn].pageType == .buddy ? "PG_buddy" : "the pcp mark"
            violations.append(AuditViolation(.pageState, "page frame \(pfn) carries \(mark) but is on no free list"))
        }
    }

    /// Every block handed out (a head page with refcount 1) and its order. A refcount other than
    /// 0 or 1, or a block running past the end of memory, is a violation.
    func auditAllocatedBlocks(_ violations: inout [AuditViolation]) -> [(pfn: Int, order: Int)] {
        var blocks: [(pfn: Int, order: Int)] = []
        for pfn in 0..<memory.pageCount {
            let page = memory.pages + pfn
            let refcount = page.pointee.refcount.load(ordering: .acquiring)
            if refcount == 0 { continue }
            let order = Int(page.pointee.order)
            if refcount != 1 {
                violations.append(AuditViolation(.pageState, "page frame \(pfn) has refcount \(refcount) (0 free, 1 allocated)"))
            } else if pfn + (1 << order) > memory.pageCount {
                violations.append(AuditViolation(.pageState, "allocated block at page frame \(pfn) of order \(order) runs past the end of memory"))
            } else {
                blocks.append((pfn, order))
            }
        }
        return blocks
    }

    /// The background threads (kswapd, the vmstat worker), paused around `body`.
    func pausingBackgroundWork<T>(_ body: () -> T) -> T {
        KernelThread.pausing([kswapd?.round, vmstat?.round].compactMap { $0 }, body)
    }
}
