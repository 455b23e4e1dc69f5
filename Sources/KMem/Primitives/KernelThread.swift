import CKMemShims
import Dispatch
import Foundation
import Synchronization

/// A kthread: a named OS thread that sleeps until woken (or until `period` passes) and then
/// runs its work. Waking never waits (a semaphore signal), so any context may wake it.
final class KernelThread: @unchecked Sendable {
    // Sendable: the flags are atomic and the semaphores thread-safe.
    private let wakeups = DispatchSemaphore(value: 0)
    private let exited = DispatchSemaphore(value: 0)
    private let stopping = Atomic<Bool>(false)
    private let threadID = Atomic<Int32>(0)

    /// Starts the thread. `work` returns false when the thread should end (its owner is gone).
    init(name: String, period: DispatchTimeInterval?, work: @escaping @Sendable () -> Bool) {
        let thread = Thread { [self] in run(period: period, work: work) }
        thread.name = name
        thread.start()
    }

    func wake() { wakeups.signal() }

    /// kthread_stop: ends the thread and waits for it.
    func stop() {
        stopping.store(true, ordering: .releasing)
        wakeups.signal()
        // The owner's last reference may be dropped by the thread itself; it must not wait
        // for itself.
        if threadID.load(ordering: .acquiring) != kmem_shim_gettid() { exited.wait() }
    }

    private func run(period: DispatchTimeInterval?, work: () -> Bool) {
        threadID.store(kmem_shim_gettid(), ordering: .releasing)
        defer { exited.signal() }
        while true {
            if let period { _ = wakeups.wait(timeout: .now() + period) } else { wakeups.wait() }
            if stopping.load(ordering: .acquiring) || !work() { return }
        }
    }
}
