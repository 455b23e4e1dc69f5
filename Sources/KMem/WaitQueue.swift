import Foundation

/// A wait queue: a sleeping wait for a condition, woken by `wakeUp`. Waiting may block, so
/// every wait passes the sleep check first; an atomic-context caller is reported (and then
/// waits anyway, as the buggy kernel code would).
public final class WaitQueue: @unchecked Sendable {
    // NSCondition is thread-safe; the class holds nothing else.
    let condition = NSCondition()
    let sleepCheck: SleepCheck
    let name: String

    public init(name: String, sleepCheck: SleepCheck) {
        self.name = name
        self.sleepCheck = sleepCheck
    }

    /// wait_event_timeout: sleeps until `ready()` is true or `timeout` passes; returns whether
    /// the condition held. `ready` runs with the queue's lock held, so a wake-up between its
    /// check and the sleep is not lost.
    @discardableResult
    public func wait(timeout: Duration, file: StaticString = #fileID, line: UInt = #line,
                     until ready: () -> Bool) -> Bool {
        sleepCheck.mightSleep("waiting on \(name)", file: file, line: line)
        let deadline = Date(timeIntervalSinceNow: timeout.seconds)
        condition.lock()
        defer { condition.unlock() }
        while !ready() {
            if !condition.wait(until: deadline) { return ready() }
        }
        return true
    }

    /// wake_up_all: every sleeper re-checks its condition.
    public func wakeUp() {
        condition.lock()
        condition.broadcast()
        condition.unlock()
    }
}

extension Duration {
    var seconds: Double {
        let (s, attoseconds) = components
        return Double(s) + Double(attoseconds) * 1e-18
    }
}
