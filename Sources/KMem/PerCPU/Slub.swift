import CKMemShims
import Synchronization

/// SLUB's per-CPU slabs, as mm/slub.c has them up to 6.18 (and for most caches in 6.18): each
/// CPU owns one slab, its kmem_cache_cpu's lockless freelist over that slab, and a list of
/// per-CPU partial slabs; a free to any other slab goes onto that slab's own freelist.
///
/// Fast paths (C, CKMemShims.h): pop or push the CPU freelist with a 16-byte compare-exchange
/// on (freelist, tid). Slow paths hold the CPU's local lock (try-locked: a context that finds
/// it held is served by the node, as a busy slot is in the magazine designs) and take the
/// node's list lock beneath it.
///
/// As in the kernel, full slabs are on no list and the node's free objects are counted by
/// walking its partial slabs (count_partial). Where the model departs from 6.18, and why:
/// - the exchange carries the lock prefix (threads share model CPUs; the kernel's needs none);
/// - per-CPU partial slabs stay frozen, as before 6.8;
/// - destroy names every leaked object, full slabs' too, by walking the page descriptors.
@usableFromInline
enum Slub: PerCPUPolicy {
    /// set_cpu_partial: cpu_partial by slot size (120/52/24/6 objects; this machine's
    /// /sys/kernel/slab agrees).
    @usableFromInline
    static func defaultCapacity(slotSize: Int) -> Int {
        slotSize >= PhysicalMemory.pageSize ? 6 : slotSize >= 1024 ? 24 : slotSize >= 256 ? 52 : 120
    }

    @usableFromInline
    static var defaultDepotCap: Int { 0 }

    /// kmem_cache_cpu on its own cache line, then the CPU's statistics.
    @usableFromInline static let blockShift = 8
    @usableFromInline static let statisticsOffset = 64

    @usableFromInline
    static var cpuBlockShift: Int { blockShift }

    /// cpu_partial 0 still leaves the CPU slab.
    @usableFromInline
    static func hasPerCPULayer(capacity: Int) -> Bool { true }

    @usableFromInline
    static func setUp(_ cache: KmemCache, capacity: Int) throws(KMemError) {
        precondition(MemoryLayout<kmem_cache_cpu>.size <= statisticsOffset
                     && statisticsOffset + SlubStat.allCases.count * 8 <= 1 << blockShift)
        for cpu in 0..<cache.cpus {
            kmem_slub_cpu_init(cache.slubCPU(cpu))
            for stat in SlubStat.allCases { cache.slubStat(cpu, stat).initialize(to: Atomic(0)) }
        }
    }

    @usableFromInline
    static func deinitializeBlocks(_ cache: KmemCache) {
        for cpu in 0..<cache.cpus { cache.slubStat(cpu, SlubStat.allCases[0]).deinitialize(count: SlubStat.allCases.count) }
    }

    @inlinable @inline(__always)
    static func allocate(_ cache: KmemCache, _ gfp: GFP, caller: Caller) -> UnsafeMutableRawPointer? {
        let cpu = cache.currentCPU
        if let object = kmem_slub_alloc_fast(cache.slubCPU(cpu), cache.freePointerOffset, UInt64(cache.secret)) {
            PerCPUPages.bump(cache.slubStat(cpu, .allocFastpath).pointee)
            return object
        }
        return cache.slubAllocSlow(cpu, gfp, caller: caller)
    }

    @inlinable @inline(__always)
    static func free(_ cache: KmemCache, _ object: UnsafeMutableRawPointer, slab: PagePointer,
                     caller: Caller) throws(KMemError) {
        let cpu = cache.currentCPU
        let done = kmem_slub_free_fast(cache.slubCPU(cpu), object, Int32(truncatingIfNeeded: cache.pfn(slab)),
                                       cache.freePointerOffset, UInt64(cache.secret))
        if done == KMEM_SLUB_FREE_DONE {
            PerCPUPages.bump(cache.slubStat(cpu, .freeFastpath).pointee)
            return
        }
        if done == KMEM_SLUB_FREE_DOUBLE { throw cache.naiveDoubleFree(object, slab: slab) }
        try cache.slubFreeSlow(object, slab: slab, cpu: cpu)
    }

    /// flush_all: every CPU's slab and partial slabs back to the node.
    @usableFromInline
    static func drain(_ cache: KmemCache, release: Bool) {
        for cpu in 0..<cache.cpus { cache.flushCPUSlab(cpu) }
    }

    /// count_partial: lockless frees keep no count, so the partial slabs are walked (lock held).
    @usableFromInline
    static func nodeFreeObjects(_ cache: KmemCache) -> Int {
        var free = 0
        var pfn = cache.node.pointee.partialHead
        while pfn >= 0 {
            let slab = cache.descriptors + Int(pfn)
            free += Int(slab.pointee.objects) - Int(slab.pairCounters & 0xFFFF_FFFF)
            pfn = slab.pointee.next
        }
        return free
    }

    /// The kernel's reclaim does not flush CPU slabs; kmem_cache_shrink does.
    @usableFromInline
    static func reclaimableObjects(_ cache: KmemCache) -> Int { 0 }
    @usableFromInline
    static func shrink(_ cache: KmemCache) -> Int { 0 }
    @usableFromInline
    static func reap(_ cache: KmemCache) {}

    /// CPU slabs and per-CPU partial slabs count as wholly in use, as /proc/slabinfo counts
    /// them; `cpuCachedObjects` says how many of their objects are free.
    @usableFromInline
    static func statistics(_ cache: KmemCache, into info: inout SlabInfo) {
        info.magazineCapacity = cache.cpuPartial
        var totals = [Int](repeating: 0, count: SlubStat.allCases.count)
        let full = cache.fullSlabObjects.load(ordering: .relaxed)
        info.objects += full
        info.activeObjects += full
        for cpu in 0..<cache.cpus {
            for stat in SlubStat.allCases { totals[stat.rawValue] += cache.slubStat(cpu, stat).pointee.load(ordering: .relaxed) }
            let misses = cache.slubStat(cpu, .allocSlowpath).pointee.load(ordering: .relaxed)
            info.cpuAllocations.append(cache.slubStat(cpu, .allocFastpath).pointee.load(ordering: .relaxed) + misses)
            info.cpuAllocMisses.append(misses)
            let (objects, free) = cache.frozenObjects(cpu)
            info.objects += objects
            info.activeObjects += objects
            info.cpuCachedObjects += free
        }
        info.allocations = totals[SlubStat.allocFastpath.rawValue] + totals[SlubStat.allocSlowpath.rawValue]
        info.allocMisses = totals[SlubStat.allocSlowpath.rawValue]
        info.frees = totals[SlubStat.freeFastpath.rawValue] + totals[SlubStat.freeSlowpath.rawValue]
        info.freeMisses = totals[SlubStat.freeSlowpath.rawValue]
        info.designStatistics = SlubStat.allCases.map { ($0.name, totals[$0.rawValue]) }
        cache.contextStatistics(into: &info)
    }
}

/// CONFIG_SLUB_STATS counters, per CPU, by the kernel's names.
public enum SlubStat: Int, CaseIterable, Sendable {
    case allocFastpath, allocSlowpath, freeFastpath, freeSlowpath, freeFrozen, freeAddPartial, freeSlab,
         allocRefill, allocFromPartial, allocSlab, allocNodeFallback, deactivateBypass, cpuslabFlush,
         cpuPartialAlloc, cpuPartialFree, cpuPartialNode, cpuPartialDrain

    public var name: String {
        switch self {
        case .allocFastpath: "alloc_fastpath"
        case .allocSlowpath: "alloc_slowpath"
        case .freeFastpath: "free_fastpath"
        case .freeSlowpath: "free_slowpath"
        case .freeFrozen: "free_frozen"
        case .freeAddPartial: "free_add_partial"
        case .freeSlab: "free_slab"
        case .allocRefill: "alloc_refill"
        case .allocFromPartial: "alloc_from_partial"
        case .allocSlab: "alloc_slab"
        // Not a kernel counter: the CPU's lock was held (another context on the model CPU).
        case .allocNodeFallback: "alloc_node_fallback"
        case .deactivateBypass: "deactivate_bypass"
        case .cpuslabFlush: "cpuslab_flush"
        case .cpuPartialAlloc: "cpu_partial_alloc"
        case .cpuPartialFree: "cpu_partial_free"
        case .cpuPartialNode: "cpu_partial_node"
        case .cpuPartialDrain: "cpu_partial_drain"
        }
    }
}

/// A slab's freelist and counters as SLUB sees them: loaded word by word (a torn pair only
/// makes the compare-exchange fail) and changed together.
extension UnsafeMutablePointer where Pointee == Page {
    @usableFromInline var slabPair: UnsafeMutableRawPointer { UnsafeMutableRawPointer(self) + Page.slabPairOffset }

    var pairFreelist: UInt64 { kmem_load_word(slabPair) }
    /// inuse in the low half, frozen in the high half.
    var pairCounters: UInt64 { kmem_load_word(slabPair + 8) }

    func updatePair(_ freelist: UInt64, _ counters: UInt64, to newFreelist: UInt64, _ newCounters: UInt64) -> Bool {
        kmem_cmpxchg_pair(slabPair, freelist, counters, newFreelist, newCounters) != 0
    }
}

@usableFromInline let frozenCounters: UInt64 = 1 << 32

extension KmemCache {
    /// The free pointer's offset as the C fast paths take it (a bit pattern: no sign check).
    @inlinable var freePointerOffset: UInt64 { UInt64(UInt(bitPattern: layout.freePointerOffset)) }

    @inlinable func slubCPU(_ cpu: Int) -> UnsafeMutablePointer<kmem_cache_cpu> {
        (cpuBlocks.unsafelyUnwrapped + cpu << Slub.blockShift).assumingMemoryBound(to: kmem_cache_cpu.self)
    }

    @inlinable func slubStat(_ cpu: Int, _ stat: SlubStat) -> UnsafeMutablePointer<Atomic<Int>> {
        (cpuBlocks.unsafelyUnwrapped + cpu << Slub.blockShift + Slub.statisticsOffset)
            .assumingMemoryBound(to: Atomic<Int>.self) + stat.rawValue
    }

    func slubCount(_ cpu: Int, _ stat: SlubStat) { PerCPUPages.bump(slubStat(cpu, stat).pointee) }

    /// local_lock: held, the thread is atomic, as with interrupts off.
    func lockCPU(_ c: UnsafeMutablePointer<kmem_cache_cpu>) -> Bool {
        guard kmem_slub_trylock(c) != 0 else { return false }
        Current.spinlockAcquired()
        return true
    }

    func unlockCPU(_ c: UnsafeMutablePointer<kmem_cache_cpu>) {
        kmem_slub_unlock(c)
        Current.spinlockReleased()
    }

    /// A freelist taken from the CPU, or nil when there was none (or it was closed).
    func chain(_ freelist: UnsafeMutableRawPointer?) -> UnsafeMutableRawPointer? {
        freelist == kmem_slub_closed() ? nil : freelist
    }

    func nextFree(_ object: UnsafeMutableRawPointer) -> UnsafeMutableRawPointer? {
        UnsafeMutableRawPointer(bitPattern: freePointer(object))
    }

    /// Hands `object` out and opens the CPU freelist on the rest of its chain.
    func install(_ c: UnsafeMutablePointer<kmem_cache_cpu>, _ object: UnsafeMutableRawPointer) -> UnsafeMutableRawPointer {
        _ = kmem_slub_swap_freelist(c, nextFree(object))
        unlockCPU(c)
        return object
    }

    // MARK: allocation (___slab_alloc)

    @inline(never) @usableFromInline
    func slubAllocSlow(_ cpu: Int, _ gfp: GFP, caller: Caller) -> UnsafeMutableRawPointer? {
        slubCount(cpu, .allocSlowpath)
        if isRetired {
            _ = refuseDestroyed(caller)
            return nil
        }
        let c = slubCPU(cpu)
        guard lockCPU(c) || cpuLockInUse(c) else {
            slubCount(cpu, .allocNodeFallback)
            return slubAllocFromNode(gfp)
        }
        // What a free pushed since the fast path looked, then what other CPUs freed to the slab.
        if let object = chain(kmem_slub_swap_freelist(c, kmem_slub_closed())) { return install(c, object) }
        let current = kmem_slub_cpu_slab(c)
        if current >= 0 {
            if let object = takeFrozenFreelist(descriptors + Int(current)) {
                slubCount(cpu, .allocRefill)
                return install(c, object)
            }
            kmem_slub_set_cpu_slab(c, -1)
            slubCount(cpu, .deactivateBypass)
        }
        while kmem_slub_partial(c) >= 0 {
            let slab = descriptors + Int(kmem_slub_partial(c))
            kmem_slub_set_partial(c, slab.pointee.next, kmem_slub_partial_slabs(c) - 1)
            slab.pointee.next = -1
            slubCount(cpu, .cpuPartialAlloc)
            if let object = takeFrozenFreelist(slab) {
                kmem_slub_set_cpu_slab(c, Int32(slab - descriptors))
                return install(c, object)
            }
        }
        if let (slab, object) = acquirePartial(cpu) {
            kmem_slub_set_cpu_slab(c, Int32(slab - descriptors))
            slubCount(cpu, .allocFromPartial)
            return install(c, object)
        }
        // new_slab, without the local lock: allocate_slab may sleep. The freelist stays closed,
        // so other contexts on this CPU take the slow path meanwhile.
        unlockCPU(c)
        guard let slab = allocateSlab(gfp) else { return nil }
        slubCount(cpu, .allocSlab)
        // Not yet visible to anyone: frozen, every object in use by this CPU.
        let object = slab.pointee.freelist!
        slab.pointee.freelist = nil
        slab.pointee.inuse = slab.pointee.objects
        slab.pointee.frozen = 1
        node.lock()
        node.pointee.nrSlabs += 1
        node.unlock()
        if lockCPU(c) {
            if kmem_slub_cpu_slab(c) < 0 {
                kmem_slub_set_cpu_slab(c, Int32(slab - descriptors))
                return install(c, object)
            }
            unlockCPU(c)
        }
        // Another context installed a slab meanwhile: this one goes to the node, less `object`.
        deactivate(slab, chain: nextFree(object))
        return object
    }

    /// get_freelist: the objects other CPUs freed to this CPU's frozen slab, all taken. None
    /// left: the slab is full and leaves the CPU, unfrozen and on no list.
    func takeFrozenFreelist(_ slab: PagePointer) -> UnsafeMutableRawPointer? {
        while true {
            let freelist = slab.pairFreelist, counters = slab.pairCounters
            let objects = UInt64(slab.pointee.objects)
            if freelist != 0 {
                if slab.updatePair(freelist, counters, to: 0, objects | frozenCounters) {
                    return UnsafeMutableRawPointer(bitPattern: UInt(freelist))
                }
                continue
            }
            // Full: it leaves the CPU onto no list, as the kernel keeps full slabs.
            if slab.updatePair(0, counters, to: 0, objects) {
                fullSlabObjects.wrappingAdd(Int(objects), ordering: .relaxed)
                return nil
            }
        }
    }

    /// get_partial_node: the node's first partial slab becomes the CPU slab (its freelist
    /// taken, every object in use); more partial slabs follow it onto the CPU's partial list
    /// (frozen, freelists kept) up to half of cpu_partial_slabs. CPU lock held.
    func acquirePartial(_ cpu: Int) -> (PagePointer, UnsafeMutableRawPointer)? {
        let c = slubCPU(cpu)
        var first: (PagePointer, UnsafeMutableRawPointer)?
        var extra = 0
        node.lock()
        while node.pointee.partialHead >= 0 {
            let slab = descriptors + Int(node.pointee.partialHead)
            let objects = UInt64(slab.pointee.objects)
            var freelist: UInt64 = 0, inuse: UInt64 = 0
            repeat {
                freelist = slab.pairFreelist
                inuse = slab.pairCounters
            } while !slab.updatePair(freelist, inuse, to: first == nil ? 0 : freelist,
                                     (first == nil ? objects : inuse) | frozenCounters)
            node.remove(slab, pages: descriptors)
            if first == nil {
                first = (slab, UnsafeMutableRawPointer(bitPattern: UInt(freelist))!)
            } else {
                slab.pointee.next = kmem_slub_partial(c)
                kmem_slub_set_partial(c, Int32(slab - descriptors), kmem_slub_partial_slabs(c) + 1)
                extra += 1
                slubCount(cpu, .cpuPartialNode)
            }
            if cpuPartialSlabs == 0 || extra > cpuPartialSlabs / 2 { break }
        }
        node.unlock()
        return first
    }

    /// The CPU's lock is held by another context: one object straight from the node's lists.
    func slubAllocFromNode(_ gfp: GFP) -> UnsafeMutableRawPointer? {
        node.lock()
        while node.pointee.partialHead < 0 {
            node.unlock()
            guard let slab = allocateSlab(gfp) else { return nil }
            node.lock()
            node.add(slab, to: .partial, pages: descriptors)
            node.pointee.nrSlabs += 1
        }
        let slab = descriptors + Int(node.pointee.partialHead)
        var freelist: UInt64 = 0, inuse: UInt64 = 0, next: UInt64 = 0
        repeat {
            freelist = slab.pairFreelist
            inuse = slab.pairCounters
            next = UInt64(freePointer(UnsafeMutableRawPointer(bitPattern: UInt(freelist))!))
        } while !slab.updatePair(freelist, inuse, to: next, inuse + 1)
        if next == 0 { // full: on no list
            node.remove(slab, pages: descriptors)
            fullSlabObjects.wrappingAdd(Int(slab.pointee.objects), ordering: .relaxed)
        }
        node.unlock()
        return UnsafeMutableRawPointer(bitPattern: UInt(freelist))
    }

    // MARK: free (__slab_free)

    @inline(never) @usableFromInline
    func slubFreeSlow(_ object: UnsafeMutableRawPointer, slab: PagePointer, cpu: Int) throws(KMemError) {
        slubCount(cpu, .freeSlowpath)
        let objectBits = UInt64(UInt(bitPattern: object))
        while true {
            let prior = slab.pairFreelist, counters = slab.pairCounters
            if prior == objectBits { throw naiveDoubleFree(object, slab: slab) }
            setFreePointer(object, UnsafeMutableRawPointer(bitPattern: UInt(prior)))
            if counters >= frozenCounters || (prior != 0 && counters > 1) {
                // A CPU's slab, or a partial slab that stays on its list: no lock.
                if slab.updatePair(prior, counters, to: objectBits, counters - 1) {
                    if counters >= frozenCounters { slubCount(cpu, .freeFrozen) }
                    return
                }
                continue
            }
            if prior == 0 && cpuPartialSlabs > 0 {
                // Full, on no list: frozen by this free, it joins this CPU's partial slabs.
                if slab.updatePair(0, counters, to: objectBits, counters - 1 | frozenCounters) {
                    fullSlabObjects.wrappingSubtract(Int(slab.pointee.objects), ordering: .relaxed)
                    slubCount(cpu, .cpuPartialFree)
                    putCPUPartial(slab)
                    return
                }
                continue
            }
            // The slab changes lists (a full one joins the partial list, with no per-CPU partial
            // slabs, or it empties): under the list lock, where only lockless frees to a partial
            // slab can still change it.
            node.lock()
            var lockedPrior: UInt64 = 0, lockedCounters: UInt64 = 0, changed = false
            repeat {
                lockedPrior = slab.pairFreelist
                lockedCounters = slab.pairCounters
                changed = lockedCounters >= frozenCounters || (lockedPrior == 0) != (prior == 0)
                    || lockedPrior == objectBits
                if changed { break }
                setFreePointer(object, UnsafeMutableRawPointer(bitPattern: UInt(lockedPrior)))
            } while !slab.updatePair(lockedPrior, lockedCounters, to: objectBits, lockedCounters - 1)
            if changed {
                node.unlock()
                continue
            }
            let inuse = lockedCounters - 1
            if lockedPrior == 0 { fullSlabObjects.wrappingSubtract(Int(slab.pointee.objects), ordering: .relaxed) }
            let discard = inuse == 0 && (node.pointee.nrPartial >= node.pointee.minPartial || isRetired)
            if discard {
                if lockedPrior != 0 { node.remove(slab, pages: descriptors) }
                node.pointee.nrSlabs -= 1
                slubCount(cpu, .freeSlab)
            } else if lockedPrior == 0 {
                // A slab that was full has few free objects: the tail (DEACTIVATE_TO_TAIL).
                node.add(slab, to: .partial, pages: descriptors, atTail: true)
                slubCount(cpu, .freeAddPartial)
            }
            node.unlock()
            if discard { discardSlab(slab) }
            return
        }
    }

    /// put_cpu_partial: onto the freeing CPU's partial slabs; a full list goes to the node
    /// first. With the CPU's lock held elsewhere, the slab goes to the node at once.
    func putCPUPartial(_ slab: PagePointer) {
        let cpu = currentCPU
        let c = slubCPU(cpu)
        guard lockCPU(c) || cpuLockInUse(c) else { return deactivate(slab, chain: nil) }
        if kmem_slub_partial_slabs(c) >= cpuPartialSlabs {
            unfreezePartials(c)
            slubCount(cpu, .cpuPartialDrain)
        }
        slab.pointee.next = kmem_slub_partial(c)
        kmem_slub_set_partial(c, Int32(slab - descriptors), kmem_slub_partial_slabs(c) + 1)
        unlockCPU(c)
    }

    // MARK: leaving the CPU (deactivate_slab, __put_partials, flush_cpu_slab)

    /// Unfreezes a slab this CPU owned: `chain`, the slab's objects the CPU still held, joins
    /// the slab's freelist, and the slab goes to the node's partial or full list, or back to
    /// the buddy allocator when empty past min_partial. A CPU slab goes to the partial list's
    /// head unless other CPUs freed to it (deactivate_slab's DEACTIVATE_REMOTE_FREES); a per-CPU
    /// partial slab (`chain` nil, __put_partials) to its tail.
    func deactivate(_ slab: PagePointer, chain: UnsafeMutableRawPointer?) {
        var returned = 0
        var tail = chain
        while let object = tail, let next = nextFree(object) {
            returned += 1
            tail = next
        }
        if chain != nil { returned += 1 }
        node.lock()
        var freelist: UInt64 = 0, counters: UInt64 = 0
        repeat {
            freelist = slab.pairFreelist
            counters = slab.pairCounters
            if let tail { setFreePointer(tail, UnsafeMutableRawPointer(bitPattern: UInt(freelist))) }
        } while !slab.updatePair(freelist, counters, to: chain.map { UInt64(UInt(bitPattern: $0)) } ?? freelist,
                                 (counters & 0xFFFF_FFFF) - UInt64(returned))
        let remaining = Int(counters & 0xFFFF_FFFF) - returned
        let objects = Int(slab.pointee.objects)
        let discard = remaining == 0 && (node.pointee.nrPartial >= node.pointee.minPartial || isRetired)
        if discard {
            node.pointee.nrSlabs -= 1
        } else if remaining == objects {
            fullSlabObjects.wrappingAdd(objects, ordering: .relaxed) // full: on no list
        } else {
            node.add(slab, to: .partial, pages: descriptors, atTail: chain == nil || freelist != 0)
        }
        node.unlock()
        if discard { discardSlab(slab) }
    }

    /// Every per-CPU partial slab to the node (CPU lock held).
    func unfreezePartials(_ c: UnsafeMutablePointer<kmem_cache_cpu>) {
        while kmem_slub_partial(c) >= 0 {
            let slab = descriptors + Int(kmem_slub_partial(c))
            kmem_slub_set_partial(c, slab.pointee.next, kmem_slub_partial_slabs(c) - 1)
            slab.pointee.next = -1
            deactivate(slab, chain: nil)
        }
    }

    /// flush_cpu_slab for any CPU (shrink, destroy). A lock held by another thread for longer
    /// than a few thousand yields is skipped, as flushCPUs skips a busy slot.
    func flushCPUSlab(_ cpu: Int) {
        let c = slubCPU(cpu)
        var locked = false
        for _ in 0..<10_000 {
            locked = lockCPU(c)
            if locked { break }
            sched_yield()
        }
        guard locked else { return }
        slubCount(cpu, .cpuslabFlush)
        let held = chain(kmem_slub_swap_freelist(c, kmem_slub_closed()))
        let current = kmem_slub_cpu_slab(c)
        if current >= 0 {
            deactivate(descriptors + Int(current), chain: held)
            kmem_slub_set_cpu_slab(c, -1)
        }
        unfreezePartials(c)
        _ = kmem_slub_swap_freelist(c, nil)
        unlockCPU(c)
    }

    /// The objects of one CPU's frozen slabs and how many of them are free (the CPU's lock is
    /// taken and its freelist closed while it is counted; a CPU whose lock is busy counts 0).
    func frozenObjects(_ cpu: Int) -> (objects: Int, free: Int) {
        let c = slubCPU(cpu)
        guard lockCPU(c) else { return (0, 0) }
        let held = kmem_slub_swap_freelist(c, kmem_slub_closed())
        var objects = 0, free = 0
        var current = chain(held)
        while let object = current {
            free += 1
            current = nextFree(object)
        }
        let cpuSlab = kmem_slub_cpu_slab(c)
        var slabs: [PagePointer] = cpuSlab >= 0 ? [descriptors + Int(cpuSlab)] : []
        var pfn = kmem_slub_partial(c)
        while pfn >= 0 {
            slabs.append(descriptors + Int(pfn))
            pfn = descriptors[Int(pfn)].next
        }
        for slab in slabs {
            objects += Int(slab.pointee.objects)
            free += Int(slab.pointee.objects) - Int(slab.pairCounters & 0xFFFF_FFFF)
        }
        _ = kmem_slub_swap_freelist(c, held)
        unlockCPU(c)
        return (objects, free)
    }
}
