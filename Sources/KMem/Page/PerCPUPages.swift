import Synchronization

/// per_cpu_pages: a CPU's private cache of free pages of orders 0...3 for one zone, one LIFO
/// list per (order, migratetype), refilled from and drained to the zone `batch` pages at a time.
///
/// The lock is only ever try-locked: a thread that finds it held (another thread bound to the
/// same CPU, an "interrupt" on it, or a drain) goes straight to the zone instead of waiting.
/// Everything but the event counters is touched only with the lock held.
@usableFromInline
struct PerCPUPages: ~Copyable {
    static let maxOrder = PageAllocator.costlyOrder
    static let lists = (maxOrder + 1) * MigrateType.allCases.count
    /// Bytes of one CPU's block: this struct, then its list heads, padded to cache lines.
    @usableFromInline static let blockSize = 256
    static let headsOffset = 192

    /// Pages on all lists, weighted by order. Declared first on purpose: Swift instruments a
    /// field update through `pointee` as an access at the struct's base address, which must
    /// therefore hold lock-protected data and not the lock word other threads try-lock.
    @usableFromInline var count = 0
    @usableFromInline let lock = SpinLock()
    @usableFromInline var batch = 1
    @usableFromInline var high = 0
    var highMin = 0
    var highMax = 0
    @usableFromInline let heads: UnsafeMutablePointer<Int32>

    // Events: relaxed load + store under the lock (no read-modify-write), so they cost a plain
    // store, and readers without the lock see a recent value.
    @usableFromInline let allocations = Atomic<Int>(0)
    @usableFromInline let frees = Atomic<Int>(0)
    @usableFromInline let refills = Atomic<Int>(0)
    @usableFromInline let drains = Atomic<Int>(0)
    /// Requests sent to the zone because the lock was busy (wrapping add: no lock held).
    @usableFromInline let lockMisses = Atomic<Int>(0)

    init(heads: UnsafeMutablePointer<Int32>) {
        precondition(MemoryLayout<PerCPUPages>.size <= PerCPUPages.headsOffset
                     && PerCPUPages.headsOffset + PerCPUPages.lists * 4 <= PerCPUPages.blockSize)
        self.heads = heads
    }

    @inlinable static func listIndex(order: Int, type: Int) -> Int {
        order * MigrateType.allCases.count + type
    }

    @inlinable static func bump(_ counter: borrowing Atomic<Int>, by amount: Int = 1) {
        counter.store(counter.load(ordering: .relaxed) &+ amount, ordering: .relaxed)
    }

    /// Pages to take from the zone when a list runs empty (nr_pcp_alloc): a batch of order-0
    /// pages, fewer blocks for higher orders but at least two.
    @inlinable func refillCount(order: Int) -> Int { order == 0 ? batch : max(batch >> order, 2) }
}

/// List operations, on the pointer: a `mutating` method would be one access to the whole
/// struct, lock word included, which Thread Sanitizer rightly sees as racing the try-locks of
/// other threads. Every field is touched on its own here.
extension UnsafeMutablePointer where Pointee == PerCPUPages {
    /// Pops a page of this order and type (lock held); -1 if the list is empty.
    @inlinable func pop(order: Int, type: Int, pages: PagePointer) -> Int {
        pointee.lock.assertHeld()
        let index = PerCPUPages.listIndex(order: order, type: type)
        let pfn = Int(pointee.heads[index])
        guard pfn >= 0 else { return -1 }
        let page = pages + pfn
        pointee.heads[index] = page.pointee.next
        page.pointee.next = -1
        page.pointee.setType(.none)
        pointee.count &-= 1 << order
        return pfn
    }

    /// Pushes a free page (lock held).
    @inlinable func push(_ pfn: Int, order: Int, type: Int, pages: PagePointer) {
        pointee.lock.assertHeld()
        let index = PerCPUPages.listIndex(order: order, type: type)
        let page = pages + pfn
        page.pointee.setType(.pcp)
        page.pointee.order = UInt8(order)
        page.pointee.listType = UInt8(type)
        page.pointee.next = pointee.heads[index]
        pointee.heads[index] = Int32(pfn)
        pointee.count &+= 1 << order
    }
}

extension Zone {
    /// rmqueue_bulk: moves up to `count` blocks of `order` from the zone to a pcp list.
    /// Returns how many it moved (fewer when the zone runs out).
    @usableFromInline
    func refill(_ pcp: UnsafeMutablePointer<PerCPUPages>, order: Int, type: MigrateType, count: Int) -> Int {
        lock.lock()
        var moved = 0
        while moved < count, let pfn = rmqueue(order: order, type: type) {
            pcp.push(pfn, order: order, type: type.rawValue, pages: pages)
            moved += 1
        }
        PerCPUPages.bump(allocatedFromZone, by: moved)
        lock.unlock()
        PerCPUPages.bump(pcp.pointee.refills)
        return moved
    }

    /// free_pcppages_bulk: returns at least `pages` pages (by order weight) from a pcp list to
    /// the zone, taking the lists round robin so that no one order starves the others.
    @usableFromInline
    func drain(_ pcp: UnsafeMutablePointer<PerCPUPages>, pages target: Int) {
        guard pcp.pointee.count > 0, target > 0 else { return }
        lock.lock()
        var freed = 0
        var list = 0
        var emptyInARow = 0
        while freed < target, emptyInARow < PerCPUPages.lists {
            let order = list / MigrateType.allCases.count
            let type = list % MigrateType.allCases.count
            let pfn = pcp.pop(order: order, type: type, pages: pages)
            if pfn >= 0 {
                freeOneBlock(pfn, order: order)
                freed += 1 << order
                emptyInARow = 0
            } else {
                emptyInARow += 1
            }
            list = (list + 1) % PerCPUPages.lists
        }
        PerCPUPages.bump(freedToZone, by: freed)
        lock.unlock()
        PerCPUPages.bump(pcp.pointee.drains)
    }
}
