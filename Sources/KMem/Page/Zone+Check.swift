/// A full consistency check of the buddy state, for tests and `kmembench inspect --check`:
/// walks every free list under the zone lock and every pcp list under its lock.
extension PageAllocator {
    /// Problems found (empty when consistent). Pages on pcp lists and handed out are counted
    /// so that `free + pcp + allocated == total` can be checked by the caller.
    public func checkConsistency() -> [String] {
        var problems: [String] = []
        var seen = [Bool](repeating: false, count: memory.pageCount)
        for type in ZoneType.allCases {
            let zone = self.zone(type)
            zone.pointee.lock.lock()
            problems += zone.pointee.checkFreeLists { seen.claim($0) }
            zone.pointee.lock.unlock()
            for cpu in 0..<cpus {
                let pcp = zone.pointee.pcp(cpu)
                guard pcp.pointee.lock.tryLock() else { continue }
                problems += pcp.pointee.check(pages: memory.pages, zone: type, cpu: cpu) { seen.claim($0) }
                pcp.pointee.lock.unlock()
            }
        }
        return problems
    }
}

extension [Bool] {
    /// Marks frames seen; false if any of them was already.
    fileprivate mutating func claim(_ frames: Range<Int>) -> Bool {
        defer { for pfn in frames { self[pfn] = true } }
        return !frames.contains { self[$0] }
    }
}

extension Zone {
    /// Walks every free list (lock held): `claim` is told each free block's frames and answers
    /// false when it was told of one of them before, which is reported as free twice.
    func checkFreeLists(_ claim: (Range<Int>) -> Bool) -> [String] {
        var problems: [String] = []
        var total = 0
        for order in 0...PageAllocator.maxOrder {
            for type in 0..<Zone.types {
                var pfn = Int(freeHeads[listIndex(order, type)])
                var blocks = 0
                var previous = -1
                while pfn >= 0 {
                    let page = pages + pfn
                    if !contains(pfn: pfn) { problems.append("\(self.type.name): pfn \(pfn) on its list lies outside the zone") ; break }
                    if page.pointee.pageType != .buddy { problems.append("\(self.type.name): free block \(pfn) lacks PG_buddy") }
                    if Int(page.pointee.order) != order { problems.append("\(self.type.name): block \(pfn) has order \(page.pointee.order) on the order-\(order) list") }
                    if pfn & ((1 << order) - 1) != 0 { problems.append("\(self.type.name): block \(pfn) is not aligned to order \(order)") }
                    if Int(page.pointee.prev) != previous { problems.append("\(self.type.name): block \(pfn) has a broken prev link") }
                    if page.pointee.refcount.load(ordering: .relaxed) != 0 { problems.append("\(self.type.name): free block \(pfn) has a non-zero refcount") }
                    if !claim(pfn..<min(endPfn, pfn + (1 << order))) {
                        problems.append("\(self.type.name): block \(pfn) of order \(order) is free twice")
                    }
                    total += 1 << order
                    blocks += 1
                    previous = pfn
                    pfn = Int(page.pointee.next)
                    if blocks > spannedPages { problems.append("\(self.type.name): free list loops"); break }
                }
                if blocks != freeCounts[listIndex(order, type)] {
                    problems.append("\(self.type.name): order \(order) type \(type) counts \(freeCounts[listIndex(order, type)]) blocks but lists \(blocks)")
                }
            }
        }
        let counted = freePages.load(ordering: .relaxed)
        if total != counted { problems.append("\(self.type.name): free lists hold \(total) pages but NR_FREE_PAGES is \(counted)") }
        return problems
    }
}

extension PerCPUPages {
    /// Walks every list (lock held), telling `claim` each frame, as Zone.checkFreeLists does.
    func check(pages: PagePointer, zone: ZoneType, cpu: Int, _ claim: (Range<Int>) -> Bool) -> [String] {
        var problems: [String] = []
        var total = 0
        for list in 0..<PerCPUPages.lists {
            let order = PerCPUPages.order(ofList: list)
            var pfn = Int(heads[list])
            var previous = -1
            var length = 0
            while pfn >= 0 {
                if pages[pfn].pageType != .pcp { problems.append("\(zone.name) cpu \(cpu): pcp page \(pfn) lacks the pcp mark") }
                if Int(pages[pfn].order) != order { problems.append("\(zone.name) cpu \(cpu): pcp page \(pfn) has order \(pages[pfn].order) on an order-\(order) list") }
                if Int(pages[pfn].prev) != previous { problems.append("\(zone.name) cpu \(cpu): pcp page \(pfn) has a broken prev link") }
                if !claim(pfn..<(pfn + (1 << order))) {
                    problems.append("\(zone.name) cpu \(cpu): pcp page \(pfn) of order \(order) is free twice")
                }
                total += 1 << order
                length += 1
                if length > 1 << 22 { problems.append("\(zone.name) cpu \(cpu): pcp list loops"); break }
                previous = pfn
                pfn = Int(pages[pfn].next)
            }
            if Int(heads[PerCPUPages.lists + list]) != previous {
                problems.append("\(zone.name) cpu \(cpu): pcp list \(list) ends at \(previous) but its tail is \(heads[PerCPUPages.lists + list])")
            }
        }
        if total != count { problems.append("\(zone.name) cpu \(cpu): pcp lists hold \(total) pages but count is \(count)") }
        return problems
    }
}
