import Foundation
import Synchronization

/// vfree_deferred: the areas vfree_atomic hands over, freed later by a worker thread in
/// process context. The list is a lock-free stack threaded through the freed memory itself
/// (its first word holds the next address), as the kernel's llist is; pushing never waits,
/// so interrupts may free.
final class VfreeDeferred: @unchecked Sendable {
    // Sendable: the list head is atomic; `vmalloc` is held unretained (it stops the worker in
    // its deinit; a weak reference would slow every retain of it, see Kswapd); `draining`
    // serialises the worker with flushers.
    private let vmalloc: Unmanaged<Vmalloc>
    private let head = Atomic<UInt>(0)
    private let draining = LockedValue<Void>(())
    private var worker: KernelThread!

    init(vmalloc: Vmalloc) {
        self.vmalloc = Unmanaged.passUnretained(vmalloc)
        worker = KernelThread(name: "kworker/vfree", period: nil) { [self] in
            drain()
            return true
        }
    }

    /// llist_add, then schedule_work when the list was empty.
    func push(_ address: UnsafeMutableRawPointer) {
        var old = head.load(ordering: .relaxed)
        while true {
            address.storeBytes(of: old, as: UInt.self)
            let (exchanged, current) = head.compareExchange(
                expected: old, desired: UInt(bitPattern: address), ordering: .releasing)
            if exchanged { break }
            old = current
        }
        if old == 0 { worker.wake() }
    }

    /// flush_work: frees everything pushed so far, waiting for a batch the worker holds.
    /// Process context only.
    func flush() { drain() }

    func stop() { worker.stop() }

    var round: NSLock { worker.round }

    private func drain() {
        draining.withLock { _ in
            var next = head.exchange(0, ordering: .acquiring)
            while next != 0, let address = UnsafeMutableRawPointer(bitPattern: next) {
                next = address.load(as: UInt.self)
                vmalloc._withUnsafeGuaranteedRef { $0.freeDeferred(address) }
            }
        }
    }
}
