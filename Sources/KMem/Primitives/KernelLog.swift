import CKMemShims
import Foundation
import Synchronization

/// The model kernel's dmesg: counted events and the most recent messages. Recording never
/// waits: the message ring is try-locked, so atomic contexts may log; a message that finds the
/// ring busy is still counted.
public final class KernelLog: Sendable {
    public enum Kind: Int, Sendable, CaseIterable {
        case sleepInAtomic, allocationFailure, oom, badPage, warning, slabBug, faultInjection

        public var name: String {
            switch self {
            case .sleepInAtomic: "sleep_in_atomic"
            case .allocationFailure: "page_allocation_failure"
            case .oom: "oom"
            case .badPage: "bad_page"
            case .warning: "warning"
            case .slabBug: "slab_bug"
            case .faultInjection: "fault_injection"
            }
        }
    }

    public struct Entry: Sendable {
        public let kind: Kind
        public let message: String
        public let timestampNanoseconds: UInt64
    }

    /// Ring capacity: enough for a test or an inspect dump, small enough to stay cheap.
    public static let capacity = 256

    let counts = Counters<Kind>()
    let ring = LockedValue<[Entry]>([])
    /// When set, each recorded message is also written to standard error.
    public let echo: Bool

    public init(echo: Bool = false) {
        self.echo = echo
    }

    public func count(_ kind: Kind) -> Int { counts[kind] }

    /// The recent entries, oldest first, optionally of one kind.
    public func entries(_ kind: Kind? = nil) -> [Entry] {
        let all = ring.withLock { $0 }
        guard let kind else { return all }
        return all.filter { $0.kind == kind }
    }

    /// Counts an event without text (for events whose message was rate-limited away).
    func countOnly(_ kind: Kind) { counts.count(kind) }

    func record(_ kind: Kind, _ message: String) {
        countOnly(kind)
        let entry = Entry(kind: kind, message: message, timestampNanoseconds: kmem_shim_monotonic_ns())
        ring.withLockIfAvailable { entries in
            if entries.count == KernelLog.capacity { entries.removeFirst() }
            entries.append(entry)
        }
        if echo { FileHandle.standardError.write(Data((message + "\n").utf8)) }
    }
}

/// The kernel's printk ratelimit: at most `burst` messages per `interval`.
final class RateLimit: Sendable {
    let intervalNanoseconds: UInt64
    let burst: Int
    let windowStart = Atomic<UInt64>(0)
    let printed = Atomic<Int>(0)

    init(intervalSeconds: Double, burst: Int) {
        intervalNanoseconds = UInt64(intervalSeconds * 1e9)
        self.burst = burst
    }

    /// Whether a message may be printed now. Races between threads may let a message or two
    /// more through at a window's edge, as the kernel's lockless callers may.
    func allow() -> Bool {
        let now = kmem_shim_monotonic_ns()
        let start = windowStart.load(ordering: .relaxed)
        if start == 0 || now &- start >= intervalNanoseconds {
            if windowStart.compareExchange(expected: start, desired: now, ordering: .relaxed).exchanged {
                printed.store(0, ordering: .relaxed)
            }
        }
        return printed.wrappingAdd(1, ordering: .relaxed).newValue <= burst
    }
}
