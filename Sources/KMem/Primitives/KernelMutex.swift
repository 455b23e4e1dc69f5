import Foundation

/// struct mutex: a sleeping lock. mutex_lock may sleep, so it passes the sleep check first:
/// taking it from an atomic context is reported (and then waits anyway, as the buggy kernel
/// code would). mutex_trylock never sleeps and may be called from anywhere but hardirq.
public final class KernelMutex: @unchecked Sendable {
    // NSLock is thread-safe; the class holds nothing else mutable.
    private let lock = NSLock()
    let sleepCheck: SleepCheck
    public let name: String

    public init(name: String, sleepCheck: SleepCheck) {
        self.name = name
        self.sleepCheck = sleepCheck
    }

    /// mutex_lock.
    public func lock(file: StaticString = #fileID, line: UInt = #line) {
        SleepCheck.mightSleep(sleepCheck, "mutex_lock(\(name))", file: file, line: line)
        lock.lock()
    }

    /// mutex_trylock.
    public func tryLock() -> Bool { lock.try() }

    /// mutex_unlock.
    public func unlock() { lock.unlock() }

    /// Runs `body` with the mutex held.
    public func withLock<T>(file: StaticString = #fileID, line: UInt = #line, _ body: () throws -> T) rethrows -> T {
        self.lock(file: file, line: line)
        defer { unlock() }
        return try body()
    }
}
