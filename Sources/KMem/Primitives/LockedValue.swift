import Foundation

/// A value behind a pthread mutex, for slow paths (logs, registries). Used instead of
/// Synchronization.Mutex because that lock lives in the uninstrumented standard library, so
/// Thread Sanitizer cannot see the order it creates and reports races that are not there.
public final class LockedValue<Value>: @unchecked Sendable {
    // Every access to `value` holds `lock`.
    private let lock = NSLock()
    private var value: Value

    public init(_ value: Value) { self.value = value }

    public func withLock<T>(_ body: (inout Value) throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }

    /// Runs `body` only if the lock is free now; never waits.
    @discardableResult
    public func withLockIfAvailable<T>(_ body: (inout Value) throws -> T) rethrows -> T? {
        guard lock.try() else { return nil }
        defer { lock.unlock() }
        return try body(&value)
    }
}
