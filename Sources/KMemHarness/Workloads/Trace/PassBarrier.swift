import CKMemShims
import Glibc
import Synchronization

/// Where a replay's workers meet, twice per pass: when every worker's pass is done (its frees
/// of other workers' objects too), before anyone frees what is left live; and when every drain
/// is done, before the next pass. The stretch between the two meetings is the drain's: the
/// last worker to finish its drain takes it out of the timed window, so drains are neither
/// counted (each worker runs its drain uncounted) nor timed. At the end of a pass each arrival
/// votes (did its pass run to the end?) and the last one decides for all whether another pass
/// follows, so no worker can go on while another has left. Reusable (a generation count);
/// waiters yield, as the machine may have fewer CPUs than workers.
final class PassBarrier: Sendable {
    private let parties: Int
    private let arrived = Atomic<Int>(0)
    private let against = Atomic<Int>(0)
    private let generation = Atomic<Int>(0)
    private let decision = Atomic<Bool>(false)
    private let drainStart = Atomic<UInt64>(0)
    private let drains = Atomic<Int>(0)
    /// Run by the last worker to finish the first drain, when another pass follows.
    private let afterFirstDrain: @Sendable () -> Void

    init(parties: Int, afterFirstDrain: @escaping @Sendable () -> Void = {}) {
        self.parties = parties
        self.afterFirstDrain = afterFirstDrain
    }

    /// The end of a pass: waits for every party; returns the decision: every vote was true and
    /// `decide()`, called once by the last to arrive, said yes. The drain starts now.
    func endPass(vote: Bool, decide: () -> Bool) -> Bool {
        meet(vote: vote) { unanimous in
            decision.store(unanimous && decide(), ordering: .relaxed)
            drainStart.store(kmem_shim_monotonic_ns(), ordering: .relaxed)
        }
        // Stable until every party has read it: it is written again only at the next pass's end.
        return decision.load(ordering: .relaxed)
    }

    /// The end of the drain: waits for every party; the last takes the drain out of the window.
    func endDrain(_ control: RunControl) {
        meet(vote: true) { _ in
            if drains.wrappingAdd(1, ordering: .relaxed).oldValue == 0 && decision.load(ordering: .relaxed) { afterFirstDrain() }
            control.exclude(drainStart.load(ordering: .relaxed)..<kmem_shim_monotonic_ns())
        }
    }

    /// Waits for every party; the last to arrive runs `last` (told whether every vote was
    /// true) before releasing the others.
    private func meet(vote: Bool, last: (_ unanimous: Bool) -> Void) {
        let current = generation.load(ordering: .acquiring)
        if !vote { against.wrappingAdd(1, ordering: .relaxed) }
        if arrived.wrappingAdd(1, ordering: .acquiringAndReleasing).newValue == parties {
            last(against.load(ordering: .relaxed) == 0)
            against.store(0, ordering: .relaxed)
            arrived.store(0, ordering: .relaxed)
            generation.store(current + 1, ordering: .releasing)
        } else {
            while generation.load(ordering: .acquiring) == current { sched_yield() }
        }
    }
}
