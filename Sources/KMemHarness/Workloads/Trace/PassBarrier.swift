import Glibc
import Synchronization

/// Where a replay's workers meet between passes: every worker's frees of a pass are done
/// before anyone frees what is left or starts the next pass. Each arrival votes (did its pass
/// run to the end?) and the last one decides for all whether another pass follows, so no
/// worker can go on while another has left. Reusable (a generation count); waiters yield, as
/// the machine may have fewer CPUs than workers.
final class PassBarrier: Sendable {
    private let parties: Int
    private let arrived = Atomic<Int>(0)
    private let against = Atomic<Int>(0)
    private let generation = Atomic<Int>(0)
    private let decision = Atomic<Bool>(false)

    init(parties: Int) { self.parties = parties }

    /// Waits for every party; returns the decision: every vote was true and `decide()`, called
    /// once by the last to arrive, said yes.
    func arrive(vote: Bool, decide: () -> Bool) -> Bool {
        let current = generation.load(ordering: .acquiring)
        if !vote { against.wrappingAdd(1, ordering: .relaxed) }
        if arrived.wrappingAdd(1, ordering: .acquiringAndReleasing).newValue == parties {
            decision.store(against.load(ordering: .relaxed) == 0 && decide(), ordering: .relaxed)
            against.store(0, ordering: .relaxed)
            arrived.store(0, ordering: .relaxed)
            generation.store(current + 1, ordering: .releasing)
        } else {
            while generation.load(ordering: .acquiring) == current { sched_yield() }
        }
        // Stable until every party has read it: the next round cannot end without them.
        return decision.load(ordering: .relaxed)
    }
}
