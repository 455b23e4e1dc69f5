import CKMemShims
import Histogram

/// Times one operation in every `period` with the monotonic clock and records it in an
/// HdrHistogram. Off the sampled operations the cost is a decrement and a branch; the cost of
/// a sample itself is measured per cell (`SamplingCalibration`) and reported beside the
/// percentiles, because a sample's two clock reads are inside the latency it records.
public struct LatencySampler {
    /// Latencies above this are recorded as this (one second).
    public static let highestTrackable: UInt64 = 1_000_000_000

    @usableFromInline var countdown: Int
    @usableFromInline let period: Int
    public private(set) var histogram = Histogram<UInt64>(
        highestTrackableValue: LatencySampler.highestTrackable, numberOfSignificantValueDigits: .three)

    /// `period` 0 turns sampling off.
    public init(period: Int, phase: Int = 0) {
        self.period = period
        // Threads start at different phases so their samples do not line up in time.
        countdown = period > 0 ? 1 + phase % period : Int.max
    }

    /// A start time when this operation is sampled, else 0.
    @inlinable @inline(__always)
    public mutating func start() -> UInt64 {
        countdown &-= 1
        return countdown == 0 ? begin() : 0
    }

    @inlinable @inline(__always)
    public mutating func stop(_ start: UInt64) {
        if start != 0 { record(since: start) }
    }

    /// Forgets the warm-up's samples: the timed window starts.
    mutating func restart() {
        histogram.reset()
        countdown = period > 0 ? min(countdown, period) : Int.max
    }

    /// No more samples: the timed window has closed.
    mutating func pause() { countdown = Int.max }

    /// No samples until `resume`, which goes on where this left off (work kept out of the
    /// figures in the middle of the window).
    mutating func suspend() -> Int {
        defer { countdown = Int.max }
        return countdown
    }

    mutating func resume(_ suspended: Int) { countdown = suspended }

    // Both out of line: one operation in `period` takes them, and inlined they give every
    // loop a stack frame and six saved registers (measured with callgrind on `pair`).
    @inline(never) @usableFromInline
    mutating func begin() -> UInt64 {
        countdown = period
        return kmem_shim_monotonic_ns()
    }

    @inline(never) @usableFromInline
    mutating func record(since start: UInt64) {
        let elapsed = kmem_shim_monotonic_ns() &- start
        _ = histogram.record(Swift.min(elapsed, LatencySampler.highestTrackable))
    }
}
