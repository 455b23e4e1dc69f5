import Histogram

/// What the child measured in one cell, sent to the parent as one JSON line.
public struct CellResult: Codable, Sendable {
    public var counters: OpCounters
    public var seconds: Double
    public var latency: LatencySummary
    public var samplePeriod: Int
    public var calibration: SamplingCalibration
    public var peakRSSKB: Int
    public var resourceIntervalMs: Int
    public var rssSeriesKB: [Int]
    /// The allocator's own account of what it holds when the timed window closes (each
    /// allocator its own way; read once, as glibc's mallinfo2 walks its free lists under the
    /// arena lock and sampling it during the run slowed glibc's own cells).
    public var ownFootprintBytes: Int?
    /// The resident set's rise at its peak, the same measure for every engine (ResidentWindow).
    public var residentPeakBytes: Int?
    public var livePeakBytes: Int
    public var missedTicks: Int
    public var engine: EngineReport
    /// The workload's own figures (reclaim seen, reserve use, microseconds per case ...).
    public var workload: [String: Double]

    public var operations: Int { counters.operations }
    public var opsPerSecond: Double { seconds > 0 ? Double(operations) / seconds : 0 }
    /// 1e9 / ops_per_sec: wall time per operation, all threads together.
    public var nsPerOp: Double { operations > 0 ? seconds * 1e9 / Double(operations) : 0 }
}

/// Sampled latency percentiles, nanoseconds.
public struct LatencySummary: Codable, Sendable, Equatable {
    public var samples: Int
    public var p50, p90, p99, p999, max: Int

    init(_ histogram: Histogram<UInt64>) {
        let samples = Int(histogram.totalCount)
        func at(_ percentile: Double) -> Int { samples == 0 ? 0 : Int(histogram.valueAtPercentile(percentile)) }
        self.samples = samples
        p50 = at(50)
        p90 = at(90)
        p99 = at(99)
        p999 = at(99.9)
        max = samples == 0 ? 0 : Int(histogram.max)
    }
}
