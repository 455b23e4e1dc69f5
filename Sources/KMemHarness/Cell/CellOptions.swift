/// How one cell runs, as the parent hands it to the child: everything but the engine and
/// workload specs.
public struct CellOptions: Codable, Sendable, Equatable {
    public var threads: Int
    public var seed: UInt64
    /// Seconds the timed part runs; ignored when `rounds` is set.
    public var duration: Double
    /// Rounds per loop instead of a duration (exact, reproducible operation counts).
    public var rounds: Int?
    /// Time one operation in this many (0: no latency sampling).
    public var samplePeriod: Int
    /// Pin worker i to machine CPU i mod CPUs.
    public var affinity: Bool
    /// Interrupt sources use a thread on clock_nanosleep instead of a DispatchSource timer.
    public var preciseTimer: Bool
    /// Milliseconds between RSS and footprint samples.
    public var resourceInterval: Int

    public init(threads: Int = 1, seed: UInt64 = 1, duration: Double = 1, rounds: Int? = nil,
                samplePeriod: Int = 1024, affinity: Bool = false, preciseTimer: Bool = false,
                resourceInterval: Int = 50) {
        self.threads = threads
        self.seed = seed
        self.duration = duration
        self.rounds = rounds
        self.samplePeriod = samplePeriod
        self.affinity = affinity
        self.preciseTimer = preciseTimer
        self.resourceInterval = resourceInterval
    }
}
