import CKMemShims
import Synchronization

/// What the magazine designs (Bonwick, sheaves) share: a CPU's loaded and previous magazines
/// in its per-CPU block, a depot of full and empty ones, and the fast path over them. A design
/// adds its refill (what to do when the CPU and the depot are out of objects) and its
/// periodic work.
///
/// A CPU's magazines are lent out by an atomic exchange of its slot with nil and put back
/// with a store: whoever finds the slot empty (a thread that migrated, another thread bound to
/// the CPU, an "interrupt" arriving meanwhile) goes to the slab layer instead, so no context
/// ever waits for another here, and migration between reading the CPU number and taking the
/// slot is harmless.
@usableFromInline
protocol MagazinePolicy: PerCPUPolicy {
    /// The CPU's loaded and previous magazines are empty and the depot has no full one: return
    /// an object. Called without the CPU (its slot is given back first), as both kernels drop
    /// the per-CPU lock before the slab layer, which may reclaim or sleep.
    static func refill(_ cache: KmemCache, _ gfp: GFP, caller: Caller) -> UnsafeMutableRawPointer?
}

extension MagazinePolicy {
    @usableFromInline
    static var cpuBlockShift: Int { KmemCache.cpuBlockShift }

    @usableFromInline
    static func hasPerCPULayer(capacity: Int) -> Bool { capacity > 0 }

    /// Each CPU's block gets two empty magazines.
    @usableFromInline
    static func setUp(_ cache: KmemCache, capacity: Int) throws(KMemError) {
        let blocks = cache.cpuBlocks.unsafelyUnwrapped
        cache.useMagazines(capacity: capacity)
        for cpu in 0..<cache.cpus {
            guard let loaded = cache.newMagazine(.kernel), let previous = cache.newMagazine(.kernel) else {
                throw .configuration("kmem_cache_create(\(cache.name)): no memory for per-CPU magazines")
            }
            let state = cache.magazines(blocks, cpu: cpu)
            state.initialize(to: CPUMagazines(loaded: loaded, previous: previous))
            (blocks + cpu << KmemCache.cpuBlockShift).bindMemory(to: Atomic<UnsafeMutableRawPointer?>.self, capacity: 1)
                .initialize(to: Atomic(UnsafeMutableRawPointer(state)))
        }
    }

    @usableFromInline
    static func deinitializeBlocks(_ cache: KmemCache) {
        let blocks = cache.cpuBlocks.unsafelyUnwrapped
        for cpu in 0..<cache.cpus {
            cache.slot(blocks, cpu: cpu).deinitialize(count: 1)
            cache.magazines(blocks, cpu: cpu).deinitialize(count: 1)
        }
    }

    @inlinable @inline(__always)
    static func allocate(_ cache: KmemCache, _ gfp: GFP, caller: Caller) -> UnsafeMutableRawPointer? {
        cache.usesRseq ? cache.allocateRseq(gfp, caller: caller) : cache.allocateFromSlot(gfp, caller: caller)
    }

    @inlinable @inline(__always)
    static func free(_ cache: KmemCache, _ object: UnsafeMutableRawPointer, slab: PagePointer, caller: Caller) {
        // Only the magazine's pointer array is written, never the object (free_to_pcs).
        cache.usesRseq ? cache.freeRseq(object, caller: caller) : cache.freeToSlot(object, caller: caller)
    }

    @usableFromInline
    static func drain(_ cache: KmemCache, release: Bool) {
        cache.flushCPUs(release: release)
        cache.purgeDepot()
    }

    /// Rounds in the depot's full magazines (a CPU's own magazines are not reclaimable).
    @usableFromInline
    static func reclaimableObjects(_ cache: KmemCache) -> Int {
        cache.depot.pointee.full.count.load(ordering: .relaxed) * cache.magazineCapacity
    }

    @usableFromInline
    static func shrink(_ cache: KmemCache) -> Int { cache.purgeDepot() }

    /// The figures every magazine design reports.
    @usableFromInline
    static func magazineStatistics(_ cache: KmemCache, into info: inout SlabInfo) {
        guard let blocks = cache.cpuBlocks else { return }
        let depot = cache.depot
        info.magazineCapacity = cache.magazineCapacity
        info.depotFull = depot.pointee.full.count.load(ordering: .relaxed)
        info.depotEmpty = depot.pointee.empty.count.load(ordering: .relaxed)
        info.depotExchanges = depot.pointee.exchanges.load(ordering: .relaxed)
        info.depotContention = depot.pointee.contention
        cache.contextStatistics(into: &info)
        for cpu in 0..<cache.cpus {
            let state = cache.magazines(blocks, cpu: cpu)
            let allocations = state.pointee.allocations.load(ordering: .relaxed)
            let misses = state.pointee.allocMisses.load(ordering: .relaxed)
            info.allocations += allocations
            info.frees += state.pointee.frees.load(ordering: .relaxed)
            info.allocMisses += misses
            info.cpuAllocations.append(allocations)
            info.cpuAllocMisses.append(misses)
            info.freeMisses += state.pointee.freeMisses.load(ordering: .relaxed)
            guard let held = cache.takeForeignSlot(blocks, cpu: cpu) else { continue }
            info.cpuCachedObjects += state.pointee.loaded.rounds + state.pointee.previous.rounds
            cache.slot(blocks, cpu: cpu).pointee.store(held, ordering: .releasing)
        }
    }
}

// The fast paths are forced inline into kmem_cache_alloc/free (KmemCache.Route): each level of
// call left to the optimizer cost a prologue and epilogue (callgrind: 10-15 instructions per
// level per operation). What they do not finish is one call out of line.
extension KmemCache {
    /// The exchange route: this CPU's slot lends its magazines to the caller alone until the
    /// store that ends the operation gives them back. A context that comes meanwhile (an
    /// interrupt, another thread bound to the CPU, one that migrated here) finds nil and waits
    /// or goes to the slab layer, so the magazines need no lock and migration after reading the
    /// CPU number is harmless.
    @inlinable @inline(__always)
    func allocateFromSlot(_ gfp: GFP, caller: Caller) -> UnsafeMutableRawPointer? {
        let slot = self.slot(cpuBlocks.unsafelyUnwrapped, cpu: currentCPU)
        guard let held = slot.pointee.exchange(nil, ordering: .acquiring) else {
            return allocateSlotBusy(slot, gfp, caller: caller)
        }
        PerCPUPages.bump(held.assumingMemoryBound(to: CPUMagazines.self).pointee.allocations)
        return allocate(holding: held, slot: slot, gfp: gfp, caller: caller)
    }

    @inlinable @inline(__always)
    func freeToSlot(_ object: UnsafeMutableRawPointer, caller: Caller) {
        let slot = self.slot(cpuBlocks.unsafelyUnwrapped, cpu: currentCPU)
        guard let held = slot.pointee.exchange(nil, ordering: .acquiring) else {
            return freeSlotBusy(slot, object, caller: caller)
        }
        PerCPUPages.bump(held.assumingMemoryBound(to: CPUMagazines.self).pointee.frees)
        free(object, holding: held, slot: slot, caller: caller)
    }

    /// The rseq route: the pop and the push are each one restartable sequence (CKMemShims),
    /// which the kernel restarts if the thread is preempted, migrated or signalled before its
    /// commit, so no other context on the CPU sees the magazine half-changed.
    @inlinable @inline(__always)
    func allocateRseq(_ gfp: GFP, caller: Caller) -> UnsafeMutableRawPointer? {
        let blocks = cpuBlocks.unsafelyUnwrapped
        if let object = kmem_rseq_magazine_pop(blocks.assumingMemoryBound(to: CChar.self), UInt(cpus)) { return object }
        return allocateMissRseq(gfp, caller: caller)
    }

    @inlinable @inline(__always)
    func freeRseq(_ object: UnsafeMutableRawPointer, caller: Caller) {
        let blocks = cpuBlocks.unsafelyUnwrapped
        if kmem_rseq_magazine_push(blocks.assumingMemoryBound(to: CChar.self), UInt(cpus), object) != 0 { return }
        freeMissRseq(object, caller: caller)
    }

    /// The slot was lent out: wait for it (KmemCache+SharedCPU.swift), or the slab layer.
    @inline(never) @usableFromInline
    func allocateSlotBusy(_ slot: UnsafeMutablePointer<Atomic<UnsafeMutableRawPointer?>>, _ gfp: GFP,
                          caller: Caller) -> UnsafeMutableRawPointer? {
        guard let held = slotInUse(slot) else { return allocateFromNode(gfp, caller: caller) }
        PerCPUPages.bump(held.assumingMemoryBound(to: CPUMagazines.self).pointee.allocations)
        return allocate(holding: held, slot: slot, gfp: gfp, caller: caller)
    }

    @inline(never) @usableFromInline
    func freeSlotBusy(_ slot: UnsafeMutablePointer<Atomic<UnsafeMutableRawPointer?>>, _ object: UnsafeMutableRawPointer,
                      caller: Caller) {
        guard let held = slotInUse(slot) else { return freeToNode(object, caller: caller) }
        PerCPUPages.bump(held.assumingMemoryBound(to: CPUMagazines.self).pointee.frees)
        free(object, holding: held, slot: slot, caller: caller)
    }

    /// With a CPU's magazines taken from `slot`: pop from the loaded magazine, else the miss
    /// path. Either way the slot gets its magazines back.
    @inlinable @inline(__always)
    func allocate(holding held: UnsafeMutableRawPointer, slot: UnsafeMutablePointer<Atomic<UnsafeMutableRawPointer?>>,
                  gfp: GFP, caller: Caller) -> UnsafeMutableRawPointer? {
        let state = held.assumingMemoryBound(to: CPUMagazines.self)
        let loaded = state.pointee.loaded
        if loaded.rounds > 0 {
            let object = loaded.pop()
            slot.pointee.store(held, ordering: .releasing)
            return object
        }
        return allocateMiss(state, held: held, slot: slot, gfp: gfp, caller: caller)
    }

    /// With a CPU's magazines taken from `slot`: push onto the loaded magazine, else the miss
    /// path. Either way the slot gets its magazines back.
    @inlinable @inline(__always)
    func free(_ object: UnsafeMutableRawPointer, holding held: UnsafeMutableRawPointer,
              slot: UnsafeMutablePointer<Atomic<UnsafeMutableRawPointer?>>, caller: Caller) {
        let state = held.assumingMemoryBound(to: CPUMagazines.self)
        let loaded = state.pointee.loaded
        if loaded.rounds < loaded.capacity {
            loaded.push(object)
            slot.pointee.store(held, ordering: .releasing)
            return
        }
        freeMiss(state, object, held: held, slot: slot, caller: caller)
    }

    /// The CPU's magazines are lent out (another context on the CPU, a drain): the slab layer
    /// takes this free.
    @inline(never) @usableFromInline
    func freeToNode(_ object: UnsafeMutableRawPointer, caller: Caller) {
        var single = object
        returnToNode(&single, count: 1, caller: caller)
    }

    /// The rseq pop missed: take this CPU's slot (a sequence whose commit is the exchange) and
    /// go the way the exchange path goes. Another thread on the CPU may have refilled the
    /// magazine between the miss and the take, so the loaded magazine is looked at again.
    @inline(never) @usableFromInline
    func allocateMissRseq(_ gfp: GFP, caller: Caller) -> UnsafeMutableRawPointer? {
        guard let (held, slot) = takeOwnSlot() else { return allocateFromNode(gfp, caller: caller) }
        PerCPUPages.bump(held.assumingMemoryBound(to: CPUMagazines.self).pointee.allocations)
        return allocate(holding: held, slot: slot, gfp: gfp, caller: caller)
    }

    /// The rseq push missed: as allocateMissRseq, for a free.
    @inline(never) @usableFromInline
    func freeMissRseq(_ object: UnsafeMutableRawPointer, caller: Caller) {
        guard let (held, slot) = takeOwnSlot() else { return freeToNode(object, caller: caller) }
        PerCPUPages.bump(held.assumingMemoryBound(to: CPUMagazines.self).pointee.frees)
        free(object, holding: held, slot: slot, caller: caller)
    }

    /// This CPU's slot, taken inside a sequence; as slotInUse when it is lent out.
    func takeSlotRseq(_ blocks: UnsafeMutableRawPointer, _ cpu: inout Int) -> UnsafeMutableRawPointer? {
        let bytes = blocks.assumingMemoryBound(to: CChar.self)
        if let held = kmem_rseq_take_slot(bytes, UInt(cpus), &cpu) { return held }
        return waitForCPU { kmem_rseq_take_slot(bytes, UInt(cpus), &cpu) }
    }

    /// Takes another CPU's slot (shrink, destroy, statistics). With rseq, a sequence on that
    /// CPU may have read the slot before the exchange: the fence restarts it, so afterwards no
    /// one but the caller touches the magazines.
    func takeForeignSlot(_ blocks: UnsafeMutableRawPointer, cpu: Int) -> UnsafeMutableRawPointer? {
        guard let held = slot(blocks, cpu: cpu).pointee.exchange(nil, ordering: .acquiring) else { return nil }
        if usesRseq { _ = kmem_rseq_fence_cpu(Int32(cpu)) }
        return held
    }

    /// The loaded magazine is empty. Both designs first swap in a non-empty previous (spare),
    /// then trade the empty one for a full one from the depot (barn); with no full magazine
    /// there, the CPU is given back and the design refills.
    @inline(never) @usableFromInline
    func allocateMiss(_ state: UnsafeMutablePointer<CPUMagazines>, held: UnsafeMutableRawPointer,
                      slot: UnsafeMutablePointer<Atomic<UnsafeMutableRawPointer?>>, gfp: GFP,
                      caller: Caller) -> UnsafeMutableRawPointer? {
        PerCPUPages.bump(state.pointee.allocMisses)
        let object = allocateFromSpareOrDepot(state)
        slot.pointee.store(held, ordering: .releasing)
        return object ?? magazinePolicy.unsafelyUnwrapped.refill(self, gfp, caller: caller)
    }

    /// The spare (previous) swapped in if it has rounds, else a full magazine from the depot.
    func allocateFromSpareOrDepot(_ state: UnsafeMutablePointer<CPUMagazines>) -> UnsafeMutableRawPointer? {
        let empty = state.pointee.loaded
        let previous = state.pointee.previous
        if previous.rounds > 0 {
            state.pointee.loaded = previous
            state.pointee.previous = empty
            return previous.pop()
        }
        guard let full = depot.pointee.full.pop() else { return nil }
        depot.pointee.exchanges.wrappingAdd(1, ordering: .relaxed)
        putEmpty(empty)
        let replacement = replacementIfResized(full)
        state.pointee.loaded = replacement
        return replacement.rounds > 0 ? replacement.pop() : nil
    }

    /// This CPU's slot, taken as the fast path takes it (waiting while another context on the
    /// CPU holds it); nil if that wait gave up.
    func takeOwnSlot() -> (held: UnsafeMutableRawPointer, slot: UnsafeMutablePointer<Atomic<UnsafeMutableRawPointer?>>)? {
        let blocks = cpuBlocks.unsafelyUnwrapped
        if usesRseq {
            var cpu = 0
            guard let held = takeSlotRseq(blocks, &cpu) else { return nil }
            return (held, slot(blocks, cpu: cpu))
        }
        let slot = self.slot(blocks, cpu: currentCPU)
        guard let held = slot.pointee.exchange(nil, ordering: .acquiring) ?? slotInUse(slot) else { return nil }
        return (held, slot)
    }

    /// __pcs_replace_empty_main once it has the CPU again: a sheaf refilled without the CPU
    /// replaces an empty main or spare (the empty one to the barn), else goes to the barn if
    /// full and there is room, else back to the slabs.
    func installRefilled(_ sheaf: Magazine, caller: Caller) {
        guard let (held, slot) = takeOwnSlot() else { return discard(sheaf, caller: caller) }
        let state = held.assumingMemoryBound(to: CPUMagazines.self)
        if state.pointee.loaded.rounds == 0 {
            putEmpty(state.pointee.loaded)
            state.pointee.loaded = sheaf
        } else if state.pointee.previous.rounds == 0 {
            putEmpty(state.pointee.previous)
            state.pointee.previous = sheaf
        } else if sheaf.rounds == sheaf.capacity && depot.pointee.hasRoomForFull {
            depot.pointee.full.push(sheaf)
        } else {
            discard(sheaf, caller: caller)
        }
        slot.pointee.store(held, ordering: .releasing)
    }

    /// The loaded magazine is full. Swap in an empty previous (spare) if there is one; else
    /// hand the full one to the depot for an empty one; with the depot at its cap (or no
    /// memory for a new magazine) flush the full one to the slab layer and reuse it.
    @inline(never) @usableFromInline
    func freeMiss(_ state: UnsafeMutablePointer<CPUMagazines>, _ object: UnsafeMutableRawPointer,
                  held: UnsafeMutableRawPointer, slot: UnsafeMutablePointer<Atomic<UnsafeMutableRawPointer?>>,
                  caller: Caller) {
        PerCPUPages.bump(state.pointee.freeMisses)
        defer { slot.pointee.store(held, ordering: .releasing) }
        let full = state.pointee.loaded
        let previous = state.pointee.previous
        if previous.rounds == 0 {
            state.pointee.loaded = previous
            state.pointee.previous = full
            previous.push(object)
            return
        }
        if depot.pointee.hasRoomForFull,
           let empty = depot.pointee.empty.pop() ?? newMagazine() {
            depot.pointee.full.push(full)
            depot.pointee.exchanges.wrappingAdd(1, ordering: .relaxed)
            let replacement = replacementIfResized(empty)
            state.pointee.loaded = replacement
            replacement.push(object)
            return
        }
        flush(full, caller: caller)
        full.push(object)
    }

    /// A magazine of the cache's current capacity (without waiting, on the miss paths).
    func newMagazine(_ gfp: GFP = .nowait) -> Magazine? {
        guard let source = magazineSourceCache else { return nil }
        return allocator.allocateMagazine(from: source, gfp: gfp)
    }

    /// After Bonwick growth, a magazine of the old size met on the way is swapped for one of
    /// the new size (its rounds move with it when they fit).
    func replacementIfResized(_ magazine: Magazine) -> Magazine {
        guard magazine.capacity != magazineCapacity, let bigger = newMagazine() else { return magazine }
        let moved = min(magazine.rounds, bigger.capacity)
        bigger.objects.update(from: magazine.objects + (magazine.rounds - moved), count: moved)
        bigger.rounds = moved
        magazine.rounds -= moved
        discard(magazine, caller: Caller(file: #fileID, line: #line))
        return bigger
    }

    /// Returns a magazine's objects to their slabs; the magazine is empty afterwards.
    func flush(_ magazine: Magazine, caller: Caller) {
        guard magazine.rounds > 0 else { return }
        returnToNode(magazine.objects, count: magazine.rounds, caller: caller)
        magazine.rounds = 0
    }

    /// A magazine's objects back to their slabs and the magazine back to its cache.
    func discard(_ magazine: Magazine, caller: Caller) {
        flush(magazine, caller: caller)
        allocator.freeMagazine(magazine)
    }

    /// An empty magazine goes to the depot, or back to its cache past the empty cap.
    func putEmpty(_ magazine: Magazine) {
        if depot.pointee.hasRoomForEmpty {
            depot.pointee.empty.push(magazine)
        } else {
            allocator.freeMagazine(magazine)
        }
    }

    /// Empties every CPU's magazines into the slabs. `release` also frees the magazines and
    /// leaves the slots empty for good (the cache is going away). A slot held by another thread
    /// for longer than a few thousand yields is skipped.
    func flushCPUs(release: Bool) {
        guard let blocks = cpuBlocks else { return }
        for cpu in 0..<cpus {
            let slot = self.slot(blocks, cpu: cpu)
            var held: UnsafeMutableRawPointer?
            for _ in 0..<10_000 {
                held = takeForeignSlot(blocks, cpu: cpu)
                if held != nil { break }
                sched_yield()
            }
            guard let held else { continue }
            let state = held.assumingMemoryBound(to: CPUMagazines.self)
            let caller = Caller(file: #fileID, line: #line)
            if release {
                discard(state.pointee.loaded, caller: caller)
                discard(state.pointee.previous, caller: caller)
            } else {
                flush(state.pointee.loaded, caller: caller)
                flush(state.pointee.previous, caller: caller)
                slot.pointee.store(held, ordering: .releasing)
            }
        }
    }

    /// Every magazine in the depot flushed and freed. Returns the objects flushed.
    @discardableResult
    func purgeDepot() -> Int {
        var objects = 0
        while let magazine = depot.pointee.full.pop() {
            objects += magazine.rounds
            discard(magazine, caller: Caller(file: #fileID, line: #line))
        }
        while let magazine = depot.pointee.empty.pop() { allocator.freeMagazine(magazine) }
        return objects
    }
}
