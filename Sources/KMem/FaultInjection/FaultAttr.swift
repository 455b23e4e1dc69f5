import Synchronization

/// struct fault_attr (lib/fault-inject.c): makes a chosen share of the calls that reach it
/// fail, so that error paths run. `Filter` holds what the user of the attribute decides alone
/// (fail_page_alloc's minimum order, failslab's cache names ...).
///
/// The hot-path check is `isEnabled`, one relaxed load: it is false unless the probability is
/// above zero and failures remain (`times`), so a disabled attribute costs one predictable
/// branch.
public final class FaultAttr<Filter: Sendable>: @unchecked Sendable {
    // Sendable: `enabled` and `injected` are atomic; settings and the running counts are
    // guarded by `lock`, a spinlock, because should_fail runs in every context.

    public struct Settings: Sendable {
        /// Percent of the eligible calls that fail; 0 turns the attribute off.
        public var probability = 0
        /// Only every interval-th eligible call may fail.
        public var interval = 1
        /// Failures left to inject; -1 for no limit.
        public var times = 1
        /// Bytes of eligible requests let through before the first failure.
        public var space = 0
        /// Log each injected failure (rate limited), unless the request asked for NOWARN.
        public var verbose = true
        public var filter: Filter

        public init(filter: Filter) { self.filter = filter }
    }

    public let name: String
    @usableFromInline let enabled = Atomic<Bool>(false)
    let injected = Atomic<Int>(0)
    let lock = SpinLock()
    var settings: Settings
    /// Eligible calls seen, for `interval`.
    var calls = 0
    var random = SeededRandom(seed: 0x6661_756c_7421)
    let log: KernelLog
    let dumpLimit = RateLimit(intervalSeconds: 5, burst: 10)

    init(name: String, filter: Filter, log: KernelLog) {
        self.name = name
        self.log = log
        settings = Settings(filter: filter)
    }

    @inlinable public var isEnabled: Bool { enabled.load(ordering: .relaxed) }

    /// Failures injected since creation.
    public var injectedFailures: Int { injected.load(ordering: .relaxed) }

    public var currentSettings: Settings { withLock { $0.settings } }

    /// Replaces the settings (the debugfs files written at once); resets the interval count.
    public func configure(_ new: Settings) throws(KMemError) {
        guard (0...100).contains(new.probability), new.interval >= 1, new.times >= -1, new.space >= 0 else {
            throw .configuration("\(name): probability must be 0...100, interval >= 1, times >= -1 "
                                 + "and space >= 0 (got \(new.probability), \(new.interval), "
                                 + "\(new.times), \(new.space))")
        }
        withLock { attr in
            attr.settings = new
            attr.calls = 0
            attr.updateEnabled()
        }
    }

    /// Changes some settings, keeping the others.
    public func configure(_ change: (inout Settings) -> Void) throws(KMemError) {
        var new = currentSettings
        change(&new)
        try configure(new)
    }

    /// should_fail_ex for a request of `size` bytes that passed the user's own filters
    /// (`eligible`, evaluated under the lock with the current filter settings).
    func shouldFail(size: Int, nowarn: Bool, eligible: (Filter) -> Bool) -> Bool {
        let failed = withLock { attr -> Bool in
            guard attr.settings.probability > 0, attr.settings.times != 0, eligible(attr.settings.filter)
            else { return false }
            if attr.settings.space > size {
                attr.settings.space -= size
                return false
            }
            if attr.settings.interval > 1 {
                attr.calls += 1
                if attr.calls % attr.settings.interval != 0 { return false }
            }
            guard Int(attr.random.next() % 100) < attr.settings.probability else { return false }
            if attr.settings.times > 0 { attr.settings.times -= 1 }
            attr.updateEnabled()
            return true
        }
        if failed { injectedFailure(size: size, nowarn: nowarn) }
        return failed
    }

    private func injectedFailure(size: Int, nowarn: Bool) {
        injected.wrappingAdd(1, ordering: .relaxed)
        let settings = currentSettings
        guard settings.verbose, !nowarn else { return }
        guard dumpLimit.allow() else { return log.countOnly(.faultInjection) }
        log.record(.faultInjection, "FAULT_INJECTION: forcing a failure.\nname \(name), interval "
                   + "\(settings.interval), probability \(settings.probability), space "
                   + "\(settings.space), times \(settings.times)")
    }

    /// Guarded by `lock`.
    private func updateEnabled() {
        enabled.store(settings.probability > 0 && settings.times != 0, ordering: .relaxed)
    }

    private func withLock<T>(_ body: (FaultAttr) -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return body(self)
    }
}

/// A small deterministic generator (SplitMix64), for decisions that must not take a lock of
/// their own and for tests whose failing sequences must replay.
struct SeededRandom: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
