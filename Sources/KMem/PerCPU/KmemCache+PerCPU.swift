import CKMemShims
import Synchronization

/// The per-CPU layer. A CPU's magazines are lent out by an atomic exchange of its slot with
/// nil and put back with a store: whoever finds the slot empty (a thread that migrated, another
/// thread bound to the CPU, an "interrupt" arriving meanwhile) goes to the slab layer instead,
/// so no context ever waits for another here, and migration between reading the CPU number
/// and taking the slot is harmless.
extension KmemCache {
    @inlinable
    func allocatePerCPU(_ blocks: UnsafeMutableRawPointer, _ gfp: GFP, caller: Caller) -> UnsafeMutableRawPointer? {
        if usesRseq {
            if let object = kmem_rseq_magazine_pop(blocks.assumingMemoryBound(to: CChar.self), UInt(cpus)) { return object }
            return allocateMissRseq(blocks, gfp, caller: caller)
        }
        let slot = self.slot(blocks, cpu: currentCPU)
        guard let held = slot.pointee.exchange(nil, ordering: .acquiring) else { return allocateSlotBusy(gfp, caller: caller) }
        PerCPUPages.bump(held.assumingMemoryBound(to: CPUMagazines.self).pointee.allocations)
        return allocate(holding: held, slot: slot, gfp: gfp, caller: caller)
    }

    @inlinable
    func freePerCPU(_ blocks: UnsafeMutableRawPointer, _ object: UnsafeMutableRawPointer, caller: Caller) {
        if usesRseq {
            if kmem_rseq_magazine_push(blocks.assumingMemoryBound(to: CChar.self), UInt(cpus), object) != 0 { return }
            return freeMissRseq(blocks, object, caller: caller)
        }
        let slot = self.slot(blocks, cpu: currentCPU)
        guard let held = slot.pointee.exchange(nil, ordering: .acquiring) else { return freeSlotBusy(object, caller: caller) }
        PerCPUPages.bump(held.assumingMemoryBound(to: CPUMagazines.self).pointee.frees)
        free(object, holding: held, slot: slot, caller: caller)
    }

    /// With a CPU's magazines taken from `slot`: pop from the loaded magazine, else the miss
    /// path. Either way the slot gets its magazines back.
    @inlinable
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
    @inlinable
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

    /// The CPU's magazines are lent out (another thread on the CPU, an interrupt, a drain):
    /// the slab layer serves this allocation.
    @usableFromInline
    func allocateSlotBusy(_ gfp: GFP, caller: Caller) -> UnsafeMutableRawPointer? {
        slotBusy.wrappingAdd(1, ordering: .relaxed)
        return allocateFromNode(gfp, caller: caller)
    }

    /// As allocateSlotBusy, for a free.
    @usableFromInline
    func freeSlotBusy(_ object: UnsafeMutableRawPointer, caller: Caller) {
        slotBusy.wrappingAdd(1, ordering: .relaxed)
        var single = object
        returnToNode(&single, count: 1, caller: caller)
    }

    /// The rseq pop missed: take this CPU's slot (a sequence whose commit is the exchange) and
    /// go the way the exchange path goes. Another thread on the CPU may have refilled the
    /// magazine between the miss and the take, so the loaded magazine is looked at again.
    @usableFromInline
    func allocateMissRseq(_ blocks: UnsafeMutableRawPointer, _ gfp: GFP, caller: Caller) -> UnsafeMutableRawPointer? {
        var cpu = 0
        guard let held = kmem_rseq_take_slot(blocks.assumingMemoryBound(to: CChar.self), UInt(cpus), &cpu) else {
            return allocateSlotBusy(gfp, caller: caller)
        }
        return allocate(holding: held, slot: slot(blocks, cpu: cpu), gfp: gfp, caller: caller)
    }

    /// The rseq push missed: as allocateMissRseq, for a free.
    @usableFromInline
    func freeMissRseq(_ blocks: UnsafeMutableRawPointer, _ object: UnsafeMutableRawPointer, caller: Caller) {
        var cpu = 0
        guard let held = kmem_rseq_take_slot(blocks.assumingMemoryBound(to: CChar.self), UInt(cpus), &cpu) else {
            return freeSlotBusy(object, caller: caller)
        }
        free(object, holding: held, slot: slot(blocks, cpu: cpu), caller: caller)
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
    /// then trade the empty one for a full one from the depot (barn). With no full magazine
    /// there, Bonwick takes a single object from the slab layer; sheaves refill the main sheaf
    /// from slabs in bulk.
    @usableFromInline
    func allocateMiss(_ state: UnsafeMutablePointer<CPUMagazines>, held: UnsafeMutableRawPointer,
                      slot: UnsafeMutablePointer<Atomic<UnsafeMutableRawPointer?>>, gfp: GFP,
                      caller: Caller) -> UnsafeMutableRawPointer? {
        PerCPUPages.bump(state.pointee.allocMisses)
        defer { slot.pointee.store(held, ordering: .releasing) }
        let empty = state.pointee.loaded
        let previous = state.pointee.previous
        if previous.rounds > 0 {
            state.pointee.loaded = previous
            state.pointee.previous = empty
            return previous.pop()
        }
        if let full = depot.pointee.full.pop() {
            depot.pointee.exchanges.wrappingAdd(1, ordering: .relaxed)
            putEmpty(empty)
            let replacement = replacementIfResized(full)
            state.pointee.loaded = replacement
            if replacement.rounds > 0 { return replacement.pop() }
        }
        switch requestedDesign {
        case .sheaves:
            let loaded = state.pointee.loaded
            let taken = takeFromNode(into: loaded.objects, count: loaded.capacity, gfp: gfp, caller: caller)
            loaded.rounds = taken
            return taken > 0 ? loaded.pop() : nil
        case .bonwick, .none:
            return allocateFromNode(gfp, caller: caller)
        }
    }

    /// The loaded magazine is full. Swap in an empty previous (spare) if there is one; else
    /// hand the full one to the depot for an empty one; with the depot at its cap (or no
    /// memory for a new magazine) flush the full one to the slab layer and reuse it.
    @usableFromInline
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

    /// A magazine for the cache's current capacity, from the magazine caches, without waiting.
    func newMagazine() -> Magazine? {
        allocator.allocateMagazine(capacity: magazineCapacity.load(ordering: .relaxed), gfp: .nowait)
    }

    /// After Bonwick growth, a magazine of the old size met on the way is swapped for one of
    /// the new size (its rounds move with it when they fit).
    func replacementIfResized(_ magazine: Magazine) -> Magazine {
        let capacity = magazineCapacity.load(ordering: .relaxed)
        guard magazine.capacity != capacity, let bigger = allocator.allocateMagazine(capacity: capacity, gfp: .nowait)
        else { return magazine }
        let moved = min(magazine.rounds, capacity)
        bigger.objects.update(from: magazine.objects + (magazine.rounds - moved), count: moved)
        bigger.rounds = moved
        magazine.rounds -= moved
        flush(magazine, caller: Caller(file: #fileID, line: #line))
        allocator.freeMagazine(magazine)
        return bigger
    }

    /// Returns a magazine's objects to their slabs; the magazine is empty afterwards.
    func flush(_ magazine: Magazine, caller: Caller) {
        guard magazine.rounds > 0 else { return }
        returnToNode(magazine.objects, count: magazine.rounds, caller: caller)
        magazine.rounds = 0
    }

    /// An empty magazine goes to the depot, or back to its cache past the empty cap.
    func putEmpty(_ magazine: Magazine) {
        if depot.pointee.hasRoomForEmpty {
            depot.pointee.empty.push(magazine)
        } else {
            allocator.freeMagazine(magazine)
        }
    }
}
