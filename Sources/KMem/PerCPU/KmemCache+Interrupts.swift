import CKMemShims
import Synchronization

/// Contexts sharing a model CPU. In the kernel an interrupt preempts the task on its CPU, and
/// the task's per-CPU step (a magazine pop, SLUB's locked slow path) is atomic with respect to
/// it: the interrupt finds the CPU's cache whole, never half-used. Model contexts are threads
/// running at once, so one may find the CPU's magazines lent out or its SLUB lock held. With
/// `interruptsWaitForCPU` (the default) an interrupt waits for the other context's step to end,
/// as if it had arrived just after it; a process context, or an interrupt that waited its
/// bound (the holder's thread was descheduled), goes to the slab layer. Either way the event
/// is counted, per context.
extension KmemCache {
    /// Spins an interrupt waits for the CPU's cache: far longer than any per-CPU step, far
    /// shorter than an OS time slice.
    static let interruptSpins = 20_000

    /// The slot was empty: count it, and in an interrupt wait for it. nil: go to the slab layer.
    @inline(never) @usableFromInline
    func slotInUse(_ slot: UnsafeMutablePointer<Atomic<UnsafeMutableRawPointer?>>) -> UnsafeMutableRawPointer? {
        waitInInterrupt { slot.pointee.exchange(nil, ordering: .acquiring) }
    }

    /// SLUB's CPU lock was held: count it, and in an interrupt wait for it. false: go to the node.
    func cpuLockInUse(_ c: UnsafeMutablePointer<kmem_cache_cpu>) -> Bool {
        waitInInterrupt { lockCPU(c) ? true : nil } ?? false
    }

    func waitInInterrupt<T>(_ take: () -> T?) -> T? {
        let context = Current.context
        switch context {
        case .process: busyInProcess.wrappingAdd(1, ordering: .relaxed)
        case .softirq: busyInSoftirq.wrappingAdd(1, ordering: .relaxed)
        case .hardirq, .nmi: busyInHardirq.wrappingAdd(1, ordering: .relaxed)
        }
        guard context != .process, allocator.configuration.interruptsWaitForCPU else { return nil }
        for _ in 0..<Self.interruptSpins {
            if let taken = take() {
                interruptWaits.wrappingAdd(1, ordering: .relaxed)
                return taken
            }
            kmem_shim_cpu_relax()
        }
        return nil
    }

    /// The counts for slabinfo and the CSV.
    func contextStatistics(into info: inout SlabInfo) {
        info.slotBusyProcess = busyInProcess.load(ordering: .relaxed)
        info.slotBusySoftirq = busyInSoftirq.load(ordering: .relaxed)
        info.slotBusyHardirq = busyInHardirq.load(ordering: .relaxed)
        info.interruptWaits = interruptWaits.load(ordering: .relaxed)
    }
}
