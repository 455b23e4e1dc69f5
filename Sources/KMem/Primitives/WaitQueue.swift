import CKMemShims
import Synchronization

/// A wait queue: a sleeping wait for a condition, woken by `wakeUp`. Waiting may block, so
/// every wait passes the sleep check first; an atomic-context caller is reported (and then
/// waits anyway, as the buggy kernel code would). Waking never blocks (an atomic increment
/// and, only when someone sleeps, a futex wake), so interrupts may wake, as with wake_up.
public final class WaitQueue: @unchecked Sendable {
    // Sendable: the state is two atomics; `sequence` lives in its own allocation because the
    // futex needs a stable address.
    /// Bumped by every wake-up; a sleeper sleeps only while it still holds the value it saw
    /// before checking its condition, so a wake-up between check and sleep is not lost.
    private let sequence: UnsafeMutablePointer<Atomic<UInt32>>
    private let sleepers = Atomic<Int>(0)
    let sleepCheck: SleepCheck
    let name: String

    public init(name: String, sleepCheck: SleepCheck) {
        self.name = name
        self.sleepCheck = sleepCheck
        sequence = .allocate(capacity: 1)
        sequence.initialize(to: Atomic(0))
    }

    deinit {
        sequence.deinitialize(count: 1)
        sequence.deallocate()
    }

    /// wait_event_timeout: sleeps until `ready()` is true or `timeout` passes; returns whether
    /// the condition held. `ready` is re-checked after every wake-up and must be cheap.
    @discardableResult
    public func wait(timeout: Duration, file: StaticString = #fileID, line: UInt = #line,
                     until ready: () -> Bool) -> Bool {
        SleepCheck.mightSleep(sleepCheck, "waiting on \(name)", file: file, line: line)
        let deadline = kmem_shim_monotonic_ns() + timeout.nanoseconds
        // Sequentially consistent with wakeUp's pair: either the waker sees this sleeper, or
        // this sleeper sees the waker's bump (and its state change) before sleeping.
        sleepers.wrappingAdd(1, ordering: .sequentiallyConsistent)
        defer { sleepers.wrappingSubtract(1, ordering: .sequentiallyConsistent) }
        while true {
            let seen = sequence.pointee.load(ordering: .sequentiallyConsistent)
            if ready() { return true }
            let now = kmem_shim_monotonic_ns()
            if now >= deadline { return false }
            kmem_shim_futex_wait(word, seen, deadline - now)
        }
    }

    /// wake_up_all: every sleeper re-checks its condition.
    public func wakeUp() {
        sequence.pointee.wrappingAdd(1, ordering: .sequentiallyConsistent)
        if hasSleepers { kmem_shim_futex_wake_all(word) }
    }

    /// wq_has_sleeper.
    public var hasSleepers: Bool { sleepers.load(ordering: .sequentiallyConsistent) > 0 }

    private var word: UnsafeMutablePointer<UInt32> {
        UnsafeMutableRawPointer(sequence).assumingMemoryBound(to: UInt32.self)
    }
}

extension Duration {
    var nanoseconds: UInt64 {
        let (seconds, attoseconds) = components
        return UInt64(max(0, seconds)) * 1_000_000_000 + UInt64(max(0, attoseconds / 1_000_000_000))
    }
}
