import CKMemShims
import Foundation
import Synchronization

/// When a cell's loops count and when they stop. A timed cell goes through three phases:
/// warming up (the loops run, nothing is counted), timed, and stopped; a rounds-limited cell
/// (tests, exact operation counts) is timed from the start and stops after its rounds. A loop
/// checks `Driver.more(round)` once per round: a compare with its round limit, which `enter`
/// clears so that the driver's next check reads `phase`.
public final class RunControl: Sendable {
    public static let warmingUp = 0
    public static let timed = 1
    public static let stopped = 2

    /// Rounds each loop runs at most (Int.max when the run is timed).
    public let maxRounds: Int
    @usableFromInline let phase: Atomic<Int>
    /// The phase drivers start in: a driver counts from its creation only in a rounds cell.
    let initialPhase: Int
    /// Raised once every interrupt source and its softirq work has finished: consumers that
    /// drain what interrupts produced may stop when their queues are empty after this.
    let interruptsDone = Atomic<Bool>(false)
    let arrived = Atomic<Int>(0)
    let go = Atomic<Bool>(false)
    /// Workers past their setup (their first `more`): the warm-up starts when all are.
    let ready = Atomic<Int>(0)
    /// The drivers' lines, whose round limits a phase change clears.
    let board: DriverBoard
    /// Stretches of monotonic time in which every worker had stopped for work the workload
    /// keeps out of its figures (a trace replay's drain between passes): not timed.
    private let excluded = Mutex<[Range<UInt64>]>([])

    init(maxRounds: Int, warmUp: Bool = false, board: DriverBoard) {
        self.maxRounds = maxRounds
        initialPhase = warmUp ? Self.warmingUp : Self.timed
        phase = Atomic(initialPhase)
        self.board = board
    }

    /// Whether producers are finished for good: the run stopped or ran out of rounds.
    public var isStopped: Bool { phase.load(ordering: .acquiring) >= Self.stopped }
    public var interruptsFinished: Bool { interruptsDone.load(ordering: .acquiring) }

    /// Sequentially consistent, as `DriverBoard.clearRoundLimits` explains.
    func enter(_ next: Int) {
        phase.store(next, ordering: .sequentiallyConsistent)
        board.clearRoundLimits()
    }

    /// Takes `stretch` out of the timed window: called once per stretch, by the last worker to
    /// finish it, while the others wait for it at a barrier.
    public func exclude(_ stretch: Range<UInt64>) {
        excluded.withLock { $0.append(stretch) }
    }

    /// Nanoseconds of the excluded stretches inside `window`.
    func excludedNs(within window: Range<UInt64>) -> UInt64 {
        excluded.withLock { stretches in
            stretches.reduce(0) { $0 + UInt64($1.clamped(to: window).count) }
        }
    }

    /// A worker's start barrier: announce readiness, then wait for the runner's go.
    func arriveAndWait() {
        arrived.wrappingAdd(1, ordering: .acquiringAndReleasing)
        while !go.load(ordering: .acquiring) { sched_yield() }
    }

    /// The runner's side of the barrier: returns once `count` workers are waiting.
    func waitForArrivals(_ count: Int) {
        while arrived.load(ordering: .acquiring) < count { usleep(50) }
    }

    /// Returns once `count` workers have finished their setup, or at `deadline` (a worker whose
    /// setup outlasts it is still counted only from the phase it first sees).
    func waitForReady(_ count: Int, deadline: UInt64) {
        while ready.load(ordering: .acquiring) < count && kmem_shim_monotonic_ns() < deadline { usleep(50) }
    }
}
