import CKMemShims
import Foundation
import Synchronization

/// The thread that runs every cache's periodic per-CPU work (Bonwick's working-set reaping)
/// every interval.
final class Reaper: @unchecked Sendable {
    // The allocator is held unretained (it stops this thread in its deinit; a weak reference
    // would slow every retain of it, see Kswapd); the rest are thread-safe.
    private let allocator: Unmanaged<SlabAllocator>
    private let wakeups = DispatchSemaphore(value: 0)
    private let exited = DispatchSemaphore(value: 0)
    private let stopping = Atomic<Bool>(false)
    private let threadID = Atomic<Int32>(0)
    private let interval: Duration
    /// Held around each pass, as KernelThread.round.
    let round = NSLock()

    init(allocator: SlabAllocator, interval: Duration) {
        self.allocator = Unmanaged.passUnretained(allocator)
        self.interval = interval
        let thread = Thread { [self] in run() }
        thread.name = "kmem_reap"
        thread.start()
    }

    func stop() {
        stopping.store(true, ordering: .releasing)
        wakeups.signal()
        if threadID.load(ordering: .acquiring) != kmem_shim_gettid() { exited.wait() }
    }

    private func run() {
        threadID.store(kmem_shim_gettid(), ordering: .releasing)
        defer { exited.signal() }
        let nanoseconds = Int(interval.components.seconds) * 1_000_000_000 + Int(interval.components.attoseconds / 1_000_000_000)
        while !stopping.load(ordering: .acquiring) {
            _ = wakeups.wait(timeout: .now() + .nanoseconds(max(nanoseconds, 1_000_000)))
            round.lock()
            defer { round.unlock() }
            if stopping.load(ordering: .acquiring) { return }
            allocator._withUnsafeGuaranteedRef { $0.reap() }
        }
    }
}

