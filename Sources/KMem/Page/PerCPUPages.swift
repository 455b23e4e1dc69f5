import Foundation
import Synchronization

/// per_cpu_pages: a CPU's private cache of free pages for one zone, sized as Linux 6.7 and
/// later size it (6.18 here). One list per (order, migratetype) for orders 0...3, and with
/// CONFIG_TRANSPARENT_HUGEPAGE two more for pageblock-order (THP) blocks, movable and the
/// rest (NR_PCP_LISTS). Frees go to a list's head and allocations take the head (the hottest
/// page); refills append to the tail and drains take the tail (the coldest).
///
/// `high` moves between `highMin` and `highMax`: refills grow it by a batch while the zone is
/// above its high watermark (nr_pcp_alloc), frees shrink it while the zone is below it or
/// kswapd is reclaiming (nr_pcp_high), and the vmstat worker decays it (decay_pcp_high).
/// Consecutive refills double the refill batch up to `batch << batchScaleMax` (`allocFactor`,
/// halved by each free); consecutive frees grow the drain batch (`freeCount`, halved by each
/// allocation).
///
/// The lock is only ever try-locked: a thread that finds it held (another thread bound to the
/// same CPU, an "interrupt" on it, or a drain) goes straight to the zone instead of waiting.
/// Everything but the event counters is touched only with the lock held.
@usableFromInline
struct PerCPUPages: ~Copyable {
    // The constants the fast paths use are computed, not stored: a stored static is a lazily
    // initialised global, which costs every use from another module an accessor call.
    @inlinable static var maxOrder: Int { 3 } // PAGE_ALLOC_COSTLY_ORDER
    /// MIGRATE_PCPTYPES: unmovable, movable, reclaimable.
    @inlinable static var types: Int { 3 }
    /// NR_LOWORDER_PCP_LISTS: a list per migratetype for each order up to the costly order.
    @inlinable static var lowOrderLists: Int { (maxOrder + 1) * types }
    /// NR_PCP_LISTS with THP: two lists of HPAGE_PMD_ORDER blocks, one for movable requests
    /// and one shared by unmovable and reclaimable ones. Always laid out; empty without THP.
    @inlinable static var lists: Int { lowOrderLists + 2 }
    /// HPAGE_PMD_ORDER: a 2 MiB PMD mapping, the pageblock order on x86-64.
    @inlinable static var thpOrder: Int { 9 }
    /// CONFIG_PCP_BATCH_SCALE_MAX (the default, and this machine's): batches scale up to 32x.
    @inlinable static var batchScaleMax: Int { 5 }
    /// PCPF_PREV_FREE_HIGH_ORDER: the last free to this pcp was of order 1...3.
    @inlinable static var previousFreeHighOrder: UInt8 { 1 << 0 }
    /// PCPF_FREE_HIGH_BATCH: the CPU's share of the last-level cache holds more than three
    /// batches, so a batch of high-order pages may stay when frees run without allocations.
    @inlinable static var freeHighBatch: UInt8 { 1 << 1 }

    /// Bytes of one CPU's block: this struct, then its list heads and tails, padded to cache
    /// lines.
    @inlinable static var blockSize: Int { 256 }
    static let headsOffset = 128

    /// Pages on all lists, weighted by order. Declared first on purpose: Swift instruments a
    /// field update through `pointee` as an access at the struct's base address, which must
    /// therefore hold lock-protected data and not the lock word other threads try-lock.
    @usableFromInline var count = 0
    @usableFromInline let lock = SpinLock()
    @usableFromInline var batch = 1
    /// 0 until first used, as the kernel's boot pageset leaves it; clamped to
    /// highMin...highMax whenever it is read.
    @usableFromInline var high = 0
    @usableFromInline var highMin = 0
    @usableFromInline var highMax = 0
    @usableFromInline var allocFactor = 0
    @usableFromInline var freeCount = 0
    @usableFromInline var flags: UInt8 = 0
    /// First pfn of each list, then (at `lists` on) the last; -1 for an empty list.
    @usableFromInline let heads: UnsafeMutablePointer<Int32>

    // Events: relaxed load + store under the lock (no read-modify-write), so they cost a plain
    // store, and readers without the lock see a recent value.
    @usableFromInline let allocations = Atomic<Int>(0)
    @usableFromInline let frees = Atomic<Int>(0)
    @usableFromInline let refills = Atomic<Int>(0)
    @usableFromInline let drains = Atomic<Int>(0)
    /// Requests sent to the zone because the lock was busy (wrapping add: no lock held).
    @usableFromInline let lockMisses = Atomic<Int>(0)
    /// The allocations among them: each took the zone lock, as a refill does.
    @usableFromInline let allocLockMisses = Atomic<Int>(0)

    init(heads: UnsafeMutablePointer<Int32>) {
        precondition(MemoryLayout<PerCPUPages>.size <= PerCPUPages.headsOffset
                     && PerCPUPages.headsOffset + 2 * PerCPUPages.lists * 4 <= PerCPUPages.blockSize
                     && PerCPUPages.maxOrder == PageAllocator.costlyOrder && PerCPUPages.types == MigrateType.allCases.count
                     && PerCPUPages.thpOrder == Zone.pageblockOrder)
        self.heads = heads
    }

    /// order_to_pindex.
    @inlinable static func listIndex(order: Int, type: Int) -> Int {
        if order <= maxOrder { return order &* types &+ type }
        return lowOrderLists + (type == MigrateType.movable.rawValue ? 1 : 0)
    }

    /// pindex_to_order.
    @inlinable static func order(ofList list: Int) -> Int { list < lowOrderLists ? list / types : thpOrder }

    @inlinable static func bump(_ counter: borrowing Atomic<Int>, by amount: Int = 1) {
        counter.store(counter.load(ordering: .relaxed) &+ amount, ordering: .relaxed)
    }

    /// per_cpu_data_slice_size: the last cache level's size divided among the CPUs sharing
    /// it, read as the kernel's cacheinfo has it from CPU 0's sysfs leaves; 0 if unreadable.
    static func machineCacheSlice() -> Int {
        let root = "/sys/devices/system/cpu/cpu0/cache"
        func read(_ path: String) -> String? {
            (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let leaves = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).filter { $0.hasPrefix("index") }
        guard let last = leaves.max(by: { Int($0.dropFirst(5)) ?? 0 < Int($1.dropFirst(5)) ?? 0 }),
              let type = read("\(root)/\(last)/type"), type == "Unified" || type == "Data",
              let size = read("\(root)/\(last)/size"), size.hasSuffix("K"), let kilobytes = Int(size.dropLast()),
              let shared = read("\(root)/\(last)/shared_cpu_list") else { return 0 }
        let cpus = shared.split(separator: ",").reduce(0) { total, range in
            let bounds = range.split(separator: "-").compactMap { Int($0) }
            return total + (bounds.count == 2 ? bounds[1] - bounds[0] + 1 : 1)
        }
        return cpus > 0 ? (kilobytes << 10) / cpus : 0
    }
}

/// List operations, on the pointer: a `mutating` method would be one access to the whole
/// struct, lock word included, which Thread Sanitizer rightly sees as racing the try-locks of
/// other threads. Every field is touched on its own here. Lists link pages through the
/// descriptors' `next` and `prev`, as the kernel's pcp_list does.
extension UnsafeMutablePointer where Pointee == PerCPUPages {
    @inlinable func isEmpty(_ list: Int) -> Bool { pointee.heads[list] < 0 }

    /// Takes the first (most recently freed) page of a list (lock held); -1 if it is empty.
    @inlinable @inline(__always) func pop(list: Int, order: Int, pages: PagePointer) -> Int {
        pointee.lock.assertHeld()
        let pfn = Int(pointee.heads[list])
        guard pfn >= 0 else { return -1 }
        let page = pages + pfn
        let next = page.pointee.next
        pointee.heads[list] = next
        if next >= 0 { pages[Int(next)].prev = -1 } else { pointee.heads[PerCPUPages.lists &+ list] = -1 }
        unlink(page, order: order)
        return pfn
    }

    /// Takes the last (coldest) page of a non-empty list (lock held).
    @usableFromInline func popTail(list: Int, order: Int, pages: PagePointer) -> Int {
        pointee.lock.assertHeld()
        let pfn = Int(pointee.heads[PerCPUPages.lists + list])
        let page = pages + pfn
        let previous = page.pointee.prev
        pointee.heads[PerCPUPages.lists + list] = previous
        if previous >= 0 { pages[Int(previous)].next = -1 } else { pointee.heads[list] = -1 }
        unlink(page, order: order)
        return pfn
    }

    @inlinable @inline(__always) func unlink(_ page: PagePointer, order: Int) {
        page.pointee.next = -1
        page.pointee.prev = -1
        page.pointee.setType(.none)
        pointee.count &-= 1 << order
    }

    /// list_add: a freed page goes first, to be the next one handed out (lock held).
    @inlinable @inline(__always) func push(_ pfn: Int, list: Int, order: Int, type: Int, pages: PagePointer) {
        pointee.lock.assertHeld()
        let page = mark(pfn, order: order, type: type, pages: pages)
        let head = pointee.heads[list]
        page.pointee.next = head
        page.pointee.prev = -1
        if head >= 0 { pages[Int(head)].prev = Int32(pfn) } else { pointee.heads[PerCPUPages.lists &+ list] = Int32(pfn) }
        pointee.heads[list] = Int32(pfn)
    }

    /// list_add_tail: rmqueue_bulk keeps the zone's blocks in the order it split them.
    @usableFromInline func pushTail(_ pfn: Int, list: Int, order: Int, type: Int, pages: PagePointer) {
        pointee.lock.assertHeld()
        let page = mark(pfn, order: order, type: type, pages: pages)
        let tail = pointee.heads[PerCPUPages.lists + list]
        page.pointee.prev = tail
        page.pointee.next = -1
        if tail >= 0 { pages[Int(tail)].next = Int32(pfn) } else { pointee.heads[list] = Int32(pfn) }
        pointee.heads[PerCPUPages.lists + list] = Int32(pfn)
    }

    @inlinable @inline(__always) func mark(_ pfn: Int, order: Int, type: Int, pages: PagePointer) -> PagePointer {
        let page = pages + pfn
        page.pointee.setType(.pcp)
        page.pointee.order = UInt8(order)
        page.pointee.listType = UInt8(type)
        pointee.count &+= 1 << order
        return page
    }

    /// `high` clamped to highMin...highMax, stored back, as nr_pcp_alloc and nr_pcp_high
    /// begin.
    @inlinable @inline(__always) func clampedHigh() -> Int {
        let high = Swift.min(Swift.max(pointee.high, pointee.highMin), pointee.highMax)
        pointee.high = high
        return high
    }

    /// nr_pcp_alloc: blocks of `order` a refill takes from the zone. While the zone is above
    /// its high watermark, high grows by the batch (a larger list would have served this
    /// request); an order-0 batch doubles with each refill that fits below high, up to
    /// `batch << batchScaleMax`; higher orders take the batch's pages in fewer, larger blocks,
    /// at least two.
    @usableFromInline func refillCount(order: Int, zoneBelowHigh: Bool) -> Int {
        let baseBatch = pointee.batch
        var high = clampedHigh()
        // A pcp that cannot hold a batch (high 0: disabled) moves one block at a time.
        guard high >= baseBatch else { return 1 }
        var batch = order == 0 ? baseBatch << pointee.allocFactor : baseBatch
        if pointee.highMin != pointee.highMax && !zoneBelowHigh {
            high = Swift.min(high + batch, pointee.highMax)
            pointee.high = high
        }
        if order == 0 {
            let most = Swift.max(high - pointee.count - baseBatch, baseBatch)
            if batch <= most && pointee.allocFactor < PerCPUPages.batchScaleMax { pointee.allocFactor += 1 }
            batch = Swift.min(batch, most)
        }
        return batch > 1 ? Swift.max(batch >> order, 2) : batch
    }

    /// nr_pcp_high: the count at which a free drains, adjusting high on the way. A run of
    /// high-order frees without allocations (`freeHigh`) drains at once and lowers high; kswapd
    /// reclaiming the zone, or the zone below its high watermark, shrinks high by the pages
    /// freed in a row; otherwise a full list raises high to hold the run plus a batch.
    @inlinable @inline(__always) func drainThreshold(zoneFlags: Int, batch: Int, freeHigh: Bool) -> Int {
        let highMin = pointee.highMin
        var high = clampedHigh()
        if high == 0 { return 0 }
        if freeHigh {
            pointee.high = Swift.max(high - (batch << PerCPUPages.batchScaleMax), highMin)
            return 0
        }
        if zoneFlags & Zone.reclaimActive != 0 {
            pointee.high = Swift.max(high - Swift.max(pointee.freeCount, batch), highMin)
            return Swift.min(batch << 2, pointee.high)
        }
        if highMin == pointee.highMax { return high }
        if zoneFlags & Zone.belowHigh != 0 {
            pointee.high = Swift.max(high - Swift.max(pointee.freeCount, batch), highMin)
            high = Swift.max(pointee.count, highMin)
        } else if pointee.count >= high {
            let needed = pointee.freeCount + batch
            if pointee.high < needed { pointee.high = Swift.min(Swift.max(needed, highMin), pointee.highMax) }
        }
        return high
    }

    /// nr_pcp_free: pages a free past the threshold drains. After a run of high-order frees,
    /// up to 32 batches; otherwise the pages freed in a row, clamped (as the kernel's clamp:
    /// the upper bound wins) to at least a batch and to leaving at least a batch.
    @inlinable @inline(__always) func drainCount(batch: Int, high: Int, freeHigh: Bool) -> Int {
        if freeHigh { return Swift.min(pointee.count, batch << PerCPUPages.batchScaleMax) }
        if high < batch { return 1 }
        return Swift.min(Swift.max(pointee.freeCount, batch), high - batch)
    }
}

extension Zone {
    /// rmqueue_bulk: refills an empty pcp list with nr_pcp_alloc's count of blocks of `order`
    /// from the zone. Returns how many it moved (fewer when the zone runs out).
    @usableFromInline
    func refill(_ pcp: UnsafeMutablePointer<PerCPUPages>, list: Int, order: Int, type: MigrateType) -> Int {
        let count = pcp.refillCount(order: order, zoneBelowHigh: flags.load(ordering: .relaxed) & Zone.belowHigh != 0)
        lock.lock()
        var moved = 0
        while moved < count, let pfn = rmqueue(order: order, type: type) {
            pcp.pushTail(pfn, list: list, order: order, type: type.rawValue, pages: pages)
            moved += 1
        }
        PerCPUPages.bump(allocatedFromZone, by: moved)
        lock.unlock()
        PerCPUPages.bump(pcp.pointee.refills)
        return moved
    }

    /// free_pcppages_bulk: returns `pages` pages (by order weight, at most all of them) from a
    /// pcp to the zone, coldest first: the tail of `first` (the list just freed to) until it
    /// empties, then the next non-empty list round robin.
    @usableFromInline
    func drain(_ pcp: UnsafeMutablePointer<PerCPUPages>, pages requested: Int, from first: Int) {
        var remaining = min(pcp.pointee.count, requested)
        guard remaining > 0 else { return }
        lock.lock()
        var list = first
        var freed = 0
        // count is the pages on the lists, so while some remain to drain a list is non-empty.
        while remaining > 0 {
            while pcp.isEmpty(list) { list = list + 1 == PerCPUPages.lists ? 0 : list + 1 }
            let order = PerCPUPages.order(ofList: list)
            repeat {
                freeOneBlock(pcp.popTail(list: list, order: order, pages: pages), order: order)
                remaining -= 1 << order
                freed += 1 << order
            } while remaining > 0 && !pcp.isEmpty(list)
        }
        PerCPUPages.bump(freedToZone, by: freed)
        lock.unlock()
        PerCPUPages.bump(pcp.pointee.drains)
    }

    /// decay_pcp_high, for the vmstat worker (lock held): high falls by an eighth toward
    /// highMin, but by no more than leaves 32 batches above high, and whatever the list holds
    /// past high is drained. True while there is more to do.
    func decayHigh(_ pcp: UnsafeMutablePointer<PerCPUPages>) -> Bool {
        var more = false
        let highMin = pcp.pointee.highMin
        if pcp.pointee.high > highMin {
            let high = pcp.pointee.high
            pcp.pointee.high = max(pcp.pointee.count - (pcp.pointee.batch << PerCPUPages.batchScaleMax),
                                   high - (high >> 3), highMin)
            more = pcp.pointee.high > highMin
        }
        let excess = pcp.pointee.count - pcp.pointee.high
        if excess > 0 {
            drain(pcp, pages: excess, from: 0)
            more = true
        }
        return more
    }
}
