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
    /// Held around each round of work, so that an audit can look at the kernel between rounds.
    let round = NSLock()

    /// Starts the thread. `work` returns false when the thread should end (its owner is gone).
    init(name: String, period: DispatchTimeInterval?, work: @escaping @Sendable () -> Bool) {
        let thread = Thread { [self] in run(period: period, work: work) }
        thread.name = name
        thread.start()
    }

    func wake() { wakeups.signal() }

    /// Runs `body` while none of the threads owning `rounds` is in a round of its work (a
    /// round in progress finishes first). Nothing in a round waits for the caller, so this
    /// cannot deadlock as long as `body` does not wait for those threads either.
    static func pausing<T>(_ rounds: [NSLock], _ body: () -> T) -> T {
        for lock in rounds { lock.lock() }
        defer { for lock in rounds.reversed() { lock.unlock() } }
        return body()
    }

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
            round.lock()
            let goOn = !stopping.load(ordering: .acquiring) && work()
            round.unlock()
            if !goOn { return }
        }
    }
}
