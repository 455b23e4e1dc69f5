import CKMemShims
import Histogram

/// What latency sampling costs on this machine, measured in the child before the run: the
/// time per sample (two clock reads and a histogram record) and the latency an empty
/// operation records (the floor under every sampled latency).
public struct SamplingCalibration: Codable, Sendable, Equatable {
    /// Nanoseconds one sample adds to the operation it times.
    public var costNs: Double
    /// Median latency recorded for an empty operation.
    public var floorNs: Double

    static func measure(samples: Int = 20_000) -> SamplingCalibration {
        var sampler = LatencySampler(period: 1)
        let start = kmem_shim_monotonic_ns()
        for _ in 0..<samples where sampler.isDue(.allocation) {
            sampler.begin(.allocation)
            sampler.end()
        }
        let elapsed = kmem_shim_monotonic_ns() &- start
        return SamplingCalibration(costNs: Double(elapsed) / Double(samples),
                                   floorNs: Double(sampler.histogram.valueAtPercentile(50)))
    }
}
