import Synchronization

/// A driver's counts, its latency sampler and its view of the run's phases: everything of a
/// driver that the out-of-line paths (a phase change, a latency sample) write. Kept apart from
/// the driver's board line so that those calls provably leave the line's address alone and a
/// loop keeps it in a register (measured with callgrind: the loop reloaded it after every call
/// while the driver's own methods took the whole driver).
@usableFromInline
struct DriverLedger {
    // First: see Driver.ledger.
    @usableFromInline var sampler: LatencySampler
    /// What the sampler's countdowns do not count (they count allocation and free calls):
    /// failures, touches, drops, remote frees, and vrealloc's frees. Its `allocations` stay 0.
    @usableFromInline var tally = OpCounters()
    // The runner outlives every driver, so the control needs no reference count here.
    @usableFromInline unowned(unsafe) let control: RunControl
    @usableFromInline let maxRounds: Int
    /// One of runThreads' threads, whose first check tells the runner its setup is done.
    @usableFromInline let isWorker: Bool
    /// The phase this driver last saw (none before its first check), and its counters when
    /// the timed window opened and closed.
    @usableFromInline var seenPhase = -1
    @usableFromInline var windowStart = OpCounters()
    @usableFromInline var windowEnd: OpCounters?

    init(sampler: LatencySampler, control: RunControl, isWorker: Bool) {
        self.sampler = sampler
        self.control = control
        maxRounds = control.maxRounds
        self.isWorker = isWorker
    }

    var counters: OpCounters {
        var counters = tally
        counters.allocations = sampler.allocationCalls - tally.failures
        counters.frees = tally.frees + sampler.freeCalls
        return counters
    }

    var windowCounters: OpCounters {
        if control.initialPhase == RunControl.warmingUp && seenPhase < RunControl.timed { return OpCounters() }
        return (windowEnd ?? counters) - windowStart
    }

    /// `Driver.more` past its round limit. The limit is re-armed before the phase is read
    /// (both sequentially consistent, as RunControl.enter): a change after the store clears it
    /// again, one before it is what the read sees. Out of line: it runs at a loop's first and
    /// last check and once per phase change.
    @inline(never) @usableFromInline
    mutating func poll(_ round: Int, _ slot: DriverBoard.Slot) -> Bool {
        slot.roundLimit.pointee.store(maxRounds, ordering: .sequentiallyConsistent)
        let phase = control.phase.load(ordering: .sequentiallyConsistent)
        if phase != seenPhase { enter(phase) }
        guard phase < RunControl.stopped else {
            slot.roundLimit.pointee.store(0, ordering: .relaxed)
            return false
        }
        return round < maxRounds
    }

    @inlinable @inline(__always)
    mutating func notePhase() {
        let phase = control.phase.load(ordering: .relaxed)
        if phase != seenPhase { enter(phase) }
    }

    // Out of line: it runs twice per cell, and inlined it crowds the loop's registers.
    @inline(never) @usableFromInline
    mutating func enter(_ phase: Int) {
        if seenPhase < 0 && isWorker { control.ready.wrappingAdd(1, ordering: .relaxed) }
        // A rounds cell counts from the start, whatever a loop did before its first check.
        if seenPhase < RunControl.timed && phase >= RunControl.timed && control.initialPhase == RunControl.warmingUp {
            windowStart = counters
            sampler.restart()
        }
        if phase >= RunControl.stopped && windowEnd == nil {
            windowEnd = counters
            sampler.pause()
        }
        seenPhase = phase
    }
}
