import Synchronization

/// kmem_cache_node: the shared slab lists of a cache (one node in this model). Slabs with free
/// objects sit on the partial list, fully used ones on the full list (the kernel keeps the full
/// list only when debugging; the model keeps it always, so destroy can name leaked objects).
///
/// Invariants under `listLock`: every slab of the cache is on exactly one list; a slab is on
/// the full list iff its freelist is empty; `nrPartial` counts the partial list; `freeObjects`
/// counts objects on slab freelists (not kept for SLUB caches, whose frees to partial slabs
/// take no lock: SLUB counts by walking, PerCPUPolicy.nodeFreeObjects).
@usableFromInline
struct KmemCacheNode: ~Copyable {
    /// First on purpose: Swift instruments field updates through `pointee` at the struct's
    /// base address, which must hold lock-protected data, not the lock word (see PerCPUPages).
    var nrPartial = 0
    let listLock = SpinLock()
    var partialHead: Int32 = -1
    /// add_partial(DEACTIVATE_TO_TAIL) puts slabs with few free objects here, so allocation,
    /// which takes from the head, prefers the fuller-of-free slabs first.
    var partialTail: Int32 = -1
    var fullHead: Int32 = -1
    var nrSlabs = 0
    var freeObjects = 0
    let minPartial: Int

    // Events, relaxed.
    let slabsAllocated = Atomic<Int>(0)
    let slabsFreed = Atomic<Int>(0)
    /// Times the list lock was found held (contention the per-CPU layer exists to avoid).
    let lockContended = Atomic<Int>(0)

    init(minPartial: Int) { self.minPartial = minPartial }
}

/// Which node list a slab is on, kept in its head page's privateWord.
enum SlabList: UInt {
    case none = 0, partial = 1, full = 2
}

extension UnsafeMutablePointer where Pointee == KmemCacheNode {
    /// Takes the list lock, counting it when another holder made us spin.
    func lock() {
        if !pointee.listLock.tryLock() {
            pointee.lockContended.wrappingAdd(1, ordering: .relaxed)
            pointee.listLock.lock()
        }
    }

    func unlock() { pointee.listLock.unlock() }

    /// Links a slab at the head of a list, or at the partial list's tail (lock held).
    func add(_ slab: PagePointer, to list: SlabList, pages: PagePointer, atTail: Bool = false) {
        pointee.listLock.assertHeld()
        let pfn = Int32(slab - pages)
        slab.pointee.privateWord = list.rawValue
        guard list == .partial else {
            slab.pointee.prev = -1
            slab.pointee.next = pointee.fullHead
            if pointee.fullHead >= 0 { pages[Int(pointee.fullHead)].prev = pfn }
            pointee.fullHead = pfn
            return
        }
        pointee.nrPartial += 1
        if atTail {
            slab.pointee.next = -1
            slab.pointee.prev = pointee.partialTail
            if pointee.partialTail >= 0 { pages[Int(pointee.partialTail)].next = pfn } else { pointee.partialHead = pfn }
            pointee.partialTail = pfn
        } else {
            slab.pointee.prev = -1
            slab.pointee.next = pointee.partialHead
            if pointee.partialHead >= 0 { pages[Int(pointee.partialHead)].prev = pfn } else { pointee.partialTail = pfn }
            pointee.partialHead = pfn
        }
    }

    /// Unlinks a slab from whichever list it is on (lock held).
    func remove(_ slab: PagePointer, pages: PagePointer) {
        pointee.listLock.assertHeld()
        let list = SlabList(rawValue: slab.pointee.privateWord) ?? .none
        let next = slab.pointee.next
        let prev = slab.pointee.prev
        if prev >= 0 {
            pages[Int(prev)].next = next
        } else if list == .partial {
            pointee.partialHead = next
        } else {
            pointee.fullHead = next
        }
        if next >= 0 {
            pages[Int(next)].prev = prev
        } else if list == .partial {
            pointee.partialTail = prev
        }
        if list == .partial { pointee.nrPartial -= 1 }
        slab.pointee.next = -1
        slab.pointee.prev = -1
        slab.pointee.privateWord = SlabList.none.rawValue
    }

    func move(_ slab: PagePointer, to list: SlabList, pages: PagePointer, atTail: Bool = false) {
        remove(slab, pages: pages)
        add(slab, to: list, pages: pages, atTail: atTail)
    }

    /// Every slab on both lists (lock held).
    func forEachSlab(pages: PagePointer, _ body: (PagePointer) -> Void) {
        pointee.listLock.assertHeld()
        for head in [pointee.partialHead, pointee.fullHead] {
            var pfn = Int(head)
            while pfn >= 0 {
                let slab = pages + pfn
                pfn = Int(slab.pointee.next)
                body(slab)
            }
        }
    }
}
