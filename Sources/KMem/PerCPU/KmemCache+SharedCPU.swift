import CKMemShims
import Synchronization

/// Contexts sharing a model CPU. In the kernel one context runs on a CPU at a time and a per-CPU
/// step (a sheaf pop under local_lock, SLUB's slow path under local_lock_irqsave) runs with
/// preemption or interrupts off: an interrupt, or the task it preempted, never finds the CPU's
/// cache half-used. Model contexts are threads running at once, so one may find its CPU's
/// magazines lent out or its SLUB lock held by another (a softirq and the task on CPU 0, two
/// threads on one model CPU). With `perCPUWait` (the default) it waits for the other's step to
/// end, as the kernel serialises them: it spins, then yields to a holder the OS descheduled
/// (which no kernel context in its per-CPU step can be). Giving up early would be the model's
/// own path, not the kernel's, and a biased one: an allocation sent to the slab layer while
/// the matching free still goes to the magazines leaves an object in Bonwick's uncapped depot
/// for good, which in a long kmalloc-mix soak grew the depot by thousands of objects a minute.
/// With the option off it goes to the slab layer at once. Each event is counted by the
/// context that met it, and the time waited by the cache.
extension KmemCache {
    /// The slot was empty: count it and wait for it. nil: go to the slab layer.
    @inline(never) @usableFromInline
    func slotInUse(_ slot: UnsafeMutablePointer<Atomic<UnsafeMutableRawPointer?>>) -> UnsafeMutableRawPointer? {
        waitForCPU { slot.pointee.exchange(nil, ordering: .acquiring) }
    }

    /// SLUB's CPU lock was held: count it and wait for it. false: go to the node.
    func cpuLockInUse(_ c: UnsafeMutablePointer<kmem_cache_cpu>) -> Bool {
        waitForCPU { lockCPU(c) ? true : nil } ?? false
    }

    func busyCount(_ context: ExecutionContext) {
        switch context {
        case .process: busyInProcess.wrappingAdd(1, ordering: .relaxed)
        case .softirq: busyInSoftirq.wrappingAdd(1, ordering: .relaxed)
        case .hardirq, .nmi: busyInHardirq.wrappingAdd(1, ordering: .relaxed)
        }
    }

    /// A step takes tens of nanoseconds; a holder still busy after this long is descheduled.
    static let spinNs: UInt64 = 20_000

    func waitForCPU<T>(_ take: () -> T?) -> T? {
        busyCount(Current.context)
        guard let wait = allocator.configuration.perCPUWait else { return nil }
        let (seconds, attoseconds) = wait.components
        let start = kmem_shim_monotonic_ns()
        let deadline = start + UInt64(seconds) * 1_000_000_000 + UInt64(attoseconds / 1_000_000_000)
        var now = start
        defer { cpuWaitNs.wrappingAdd(Int(now - start), ordering: .relaxed) }
        repeat {
            if let taken = take() {
                cpuWaits.wrappingAdd(1, ordering: .relaxed)
                return taken
            }
            if now - start < Self.spinNs { kmem_shim_cpu_relax() } else { sched_yield() }
            now = kmem_shim_monotonic_ns()
        } while now < deadline
        return nil
    }

    /// alloc_from_pcs / free_to_pcs on a bootstrap sheaf: take the CPU's slot (local_trylock;
    /// held elsewhere, the slab layer at once), find the sheaf empty and without a barn, give
    /// the slot back.
    @inline(never) @usableFromInline
    func visitBootstrapSheaf() {
        let slot = self.slot(cpuBlocks.unsafelyUnwrapped, cpu: currentCPU)
        if let held = slot.pointee.exchange(nil, ordering: .acquiring) {
            slot.pointee.store(held, ordering: .releasing)
        } else {
            busyCount(Current.context)
        }
    }

    /// The counts for slabinfo and the CSV.
    func contextStatistics(into info: inout SlabInfo) {
        info.slotBusyProcess = busyInProcess.load(ordering: .relaxed)
        info.slotBusySoftirq = busyInSoftirq.load(ordering: .relaxed)
        info.slotBusyHardirq = busyInHardirq.load(ordering: .relaxed)
        info.cpuWaits = cpuWaits.load(ordering: .relaxed)
        info.cpuWaitNs = cpuWaitNs.load(ordering: .relaxed)
    }
}
