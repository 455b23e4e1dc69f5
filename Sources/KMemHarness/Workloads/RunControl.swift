import CKMemShims
import Foundation
import Synchronization

/// When a cell's loops stop: after a number of rounds (tests, exact operation counts) or when
/// the runner raises `stop` at the end of the duration. A loop checks `more(round)` once per
/// round: one relaxed load.
public final class RunControl: Sendable {
    /// Rounds each loop runs at most (Int.max when the run is timed).
    public let maxRounds: Int
    @usableFromInline let stop = Atomic<Bool>(false)
    /// Raised once every interrupt source and its softirq work has finished: consumers that
    /// drain what interrupts produced may stop when their queues are empty after this.
    let interruptsDone = Atomic<Bool>(false)
    let arrived = Atomic<Int>(0)
    let go = Atomic<Bool>(false)

    public init(maxRounds: Int) { self.maxRounds = maxRounds }

    @inlinable @inline(__always)
    public func more(_ round: Int) -> Bool {
        round < maxRounds && !stop.load(ordering: .relaxed)
    }

    /// Whether producers are finished for good: the run stopped or ran out of rounds.
    public var isStopped: Bool { stop.load(ordering: .acquiring) }
    public var interruptsFinished: Bool { interruptsDone.load(ordering: .acquiring) }

    /// A worker's start barrier: announce readiness, then wait for the runner's go.
    func arriveAndWait() {
        arrived.wrappingAdd(1, ordering: .acquiringAndReleasing)
        while !go.load(ordering: .acquiring) { sched_yield() }
    }

    /// The runner's side of the barrier: returns once `count` workers are waiting.
    func waitForArrivals(_ count: Int) {
        while arrived.load(ordering: .acquiring) < count { usleep(50) }
    }
}
