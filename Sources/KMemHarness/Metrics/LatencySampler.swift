import CKMemShims
import Histogram

/// Times one allocation in every `period` and one free in every `period` with the monotonic
/// clock and records them in an HdrHistogram: one operation in `period` overall, both kinds
/// at the same rate whatever their mix (one countdown over both would time only allocations
/// in `pair` when the period is even). Each kind's countdown is also its call count, so an
/// operation off the samples costs a decrement and a branch, counting included. The cost of a
/// sample itself is measured per cell (`SamplingCalibration`) and reported beside the
/// percentiles, because a sample's two clock reads are inside the latency it records.
public struct LatencySampler {
    /// Latencies above this are recorded as this (one second).
    public static let highestTrackable: UInt64 = 1_000_000_000

    /// Which countdown a call runs down.
    public enum Call { case allocation, free }

    /// Calls left before the next sample, and the calls made so far plus `left`: the count
    /// is their difference (wrapping, so that `left` may start at Int.max).
    @usableFromInline struct Countdown {
        @usableFromInline var left: Int
        @usableFromInline var end: Int

        init(left: Int) {
            self.left = left
            end = left
        }

        var calls: Int { end &- left }

        /// Whether this call is the one to time.
        @inlinable @inline(__always)
        mutating func tick() -> Bool {
            left &-= 1
            return left == 0
        }

        mutating func rearm(_ next: Int) {
            end = calls &+ next
            left = next
        }
    }

    @usableFromInline var allocations: Countdown
    @usableFromInline var frees: Countdown
    @usableFromInline let period: Int
    @usableFromInline var startNs: UInt64 = 0
    public private(set) var histogram = Histogram<UInt64>(
        highestTrackableValue: LatencySampler.highestTrackable, numberOfSignificantValueDigits: .three)

    /// `period` 0 turns sampling off.
    public init(period: Int, phase: Int = 0) {
        self.period = period
        // Threads start at different phases so their samples do not line up in time, and a
        // thread's frees half a period from its allocations so that no round is timed twice.
        allocations = Countdown(left: period > 0 ? 1 + phase % period : Int.max)
        frees = Countdown(left: period > 0 ? 1 + (phase + period / 2) % period : Int.max)
    }

    /// Allocation calls and free calls made so far, sampled or not.
    var allocationCalls: Int { allocations.calls }
    var freeCalls: Int { frees.calls }

    /// Whether this call is the one to time (every call counts down).
    @inlinable @inline(__always)
    public mutating func isDue(_ call: Call) -> Bool {
        call == .allocation ? allocations.tick() : frees.tick()
    }

    /// Forgets the warm-up's samples: the timed window starts.
    mutating func restart() {
        histogram.reset()
        guard period > 0 else { return }
        allocations.rearm(min(allocations.left, period))
        frees.rearm(min(frees.left, period))
    }

    /// No more samples: the timed window has closed.
    mutating func pause() {
        allocations.rearm(Int.max)
        frees.rearm(Int.max)
    }

    /// No samples until `resume`, which goes on where this left off (work kept out of the
    /// figures in the middle of the window); the calls made meanwhile are still counted.
    mutating func suspend() -> (allocations: Int, frees: Int) {
        defer { pause() }
        return (allocations.left, frees.left)
    }

    mutating func resume(_ suspended: (allocations: Int, frees: Int)) {
        allocations.rearm(suspended.allocations)
        frees.rearm(suspended.frees)
    }

    // Both out of line: one operation in `period` takes them, and inlined they give every
    // loop a stack frame and six saved registers (measured with callgrind on `pair`). The
    // start time stays here rather than in a register: the loop needs none across the call.
    /// Starts timing the call `isDue` picked.
    @inline(never) @usableFromInline
    mutating func begin(_ call: Call) {
        if call == .allocation { allocations.rearm(period) } else { frees.rearm(period) }
        startNs = kmem_shim_monotonic_ns()
    }

    /// Records the call `begin` started timing.
    @inline(never) @usableFromInline
    mutating func end() {
        let elapsed = kmem_shim_monotonic_ns() &- startNs
        _ = histogram.record(Swift.min(elapsed, LatencySampler.highestTrackable))
    }
}
