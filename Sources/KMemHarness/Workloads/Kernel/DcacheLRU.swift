import CKMemShims
import KMem
import Synchronization

/// The dcache workload's LRU of unused dentries (with their inodes), shared by its threads and
/// registered as a shrinker: reclaim (direct, or kswapd's thread) frees the oldest entries
/// through a driver of its own, so its frees are counted like any other. A bounded ring
/// under one lock, as list_lru is a list under a per-node lock; nothing allocates under it.
final class DcacheLRU<E: Engine>: Shrinker, @unchecked Sendable {
    // Sendable: every mutable field is inside `state`, behind its lock; the handles are
    // immutable.
    struct Entry {
        let dentry: UnsafeMutableRawPointer
        let inode: UnsafeMutableRawPointer?
    }

    struct State {
        let ring: UnsafeMutablePointer<Entry>
        var head = 0, count = 0, peak = 0
        var scans = 0, reclaimed = 0, evictions = 0
        /// Time reclaim spent freeing entries, on whichever thread ran it.
        var scanNs: UInt64 = 0
        /// Reclaim's own driver; nil once the run is over (a late scan then does nothing).
        var driver: Driver<E.Worker>?
    }

    static var capacity: Int { Dcache.lruCapacity }

    let name = "dcache-lru"
    let engine: E
    let dentries: EngineHandle
    let inodes: EngineHandle
    let state: LockedValue<State>

    init(engine: E, context: WorkloadContext, dentries: EngineHandle, inodes: EngineHandle) {
        self.engine = engine
        self.dentries = dentries
        self.inodes = inodes
        let driver = context.makeSideDriver(engine, cpu: 0, index: 0)
        state = LockedValue(State(ring: .harnessAllocate(capacity: Self.capacity), driver: driver))
    }

    deinit { state.withLock { $0.ring.harnessDeallocate() } }

    /// Adds the newest entry; past `cap` entries returns the oldest for the caller to free.
    func add(_ entry: Entry, cap: Int) -> Entry? {
        state.withLock { state in
            var evicted: Entry?
            if state.count >= cap {
                evicted = state.ring[state.head]
                state.head = (state.head + 1) % Self.capacity
                state.count -= 1
                state.evictions += 1
            }
            state.ring[(state.head + state.count) % Self.capacity] = entry
            state.count += 1
            state.peak = max(state.peak, state.count)
            return evicted
        }
    }

    func free(_ entry: Entry, _ driver: inout Driver<E.Worker>) {
        if let inode = entry.inode { driver.cacheFree(inodes, inode) }
        driver.cacheFree(dentries, entry.dentry)
    }

    func countObjects(_ control: ShrinkControl) -> Int { state.withLock { $0.count } }

    /// super_cache_scan: nothing without __GFP_FS (the caller may hold file-system locks);
    /// else frees up to nrToScan of the oldest entries.
    func scanObjects(_ control: ShrinkControl) -> Int {
        guard control.gfp.contains(.fs) else { return 0 }
        return state.withLock { state in
            guard state.driver != nil else { return 0 }
            let start = kmem_shim_monotonic_ns()
            defer { state.scanNs &+= kmem_shim_monotonic_ns() &- start }
            state.driver!.notePhase()
            let batch = min(control.nrToScan, state.count)
            for _ in 0..<batch {
                free(state.ring[state.head], &state.driver!)
                state.head = (state.head + 1) % Self.capacity
            }
            state.count -= batch
            state.scans += 1
            state.reclaimed += batch
            return batch
        }
    }

    /// Frees every entry left, as the thread that finished last.
    func drain(_ driver: inout Driver<E.Worker>) {
        let left = state.withLock { state in
            let entries = (0..<state.count).map { state.ring[(state.head + $0) % Self.capacity] }
            state.count = 0
            return entries
        }
        for entry in left { free(entry, &driver) }
    }

    /// Hands reclaim's driver back to the context and reports the LRU's figures.
    func finish(_ context: WorkloadContext) {
        var figures: [String: Double] = [:]
        state.withLock { state in
            if var driver = state.driver.take() { context.collect(engine, &driver) }
            figures = ["lru_peak": Double(state.peak), "shrinker_scans": Double(state.scans),
                       "shrinker_freed": Double(state.reclaimed), "lru_evictions": Double(state.evictions),
                       "shrinker_ns": Double(state.scanNs)]
        }
        context.addFigures(figures)
    }
}

/// Counts threads finishing; the last one learns it is last.
final class Countdown: Sendable {
    private let left: Atomic<Int>
    init(_ count: Int) { left = Atomic(count) }
    func arriveIsLast() -> Bool { left.wrappingSubtract(1, ordering: .acquiringAndReleasing).newValue == 0 }
}
