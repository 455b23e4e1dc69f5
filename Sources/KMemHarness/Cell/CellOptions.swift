/// How one cell runs, as the parent hands it to the child: everything but the engine and
/// workload specs.
public struct CellOptions: Codable, Sendable, Equatable {
    public var threads: Int
    public var seed: UInt64
    /// Seconds the timed part runs; ignored when `rounds` is set.
    public var duration: Double
    /// Seconds the loops run before the timed window opens (caches filled, pages faulted in);
    /// nothing they do then is counted. Ignored when `rounds` is set.
    public var warmup: Double
    /// Rounds per loop instead of a duration (exact, reproducible operation counts).
    public var rounds: Int?
    /// Time one operation in this many (0: no latency sampling).
    public var samplePeriod: Int
    /// Pin worker i to machine CPU i mod CPUs.
    public var affinity: Bool
    /// Interrupt sources use a thread on clock_nanosleep instead of a DispatchSource timer.
    public var preciseTimer: Bool
    /// Milliseconds between RSS samples.
    public var resourceInterval: Int
    /// Seconds per soak pass: the cell's duration is run as consecutive passes of this length
    /// on one engine, audited and its footprint read between them (Soak). nil: one pass.
    public var soakPass: Double?

    /// The warm-up unless one is given: long enough for every per-CPU cache and slab to fill.
    public static let defaultWarmup = 0.1

    public init(threads: Int = 1, seed: UInt64 = 1, duration: Double = 1, warmup: Double = defaultWarmup, rounds: Int? = nil,
                samplePeriod: Int = 1024, affinity: Bool = false, preciseTimer: Bool = false,
                resourceInterval: Int = 50, soakPass: Double? = nil) {
        self.threads = threads
        self.seed = seed
        self.duration = duration
        self.warmup = warmup
        self.rounds = rounds
        self.samplePeriod = samplePeriod
        self.affinity = affinity
        self.preciseTimer = preciseTimer
        self.resourceInterval = resourceInterval
        self.soakPass = soakPass
    }

    /// The passes the cell runs: one, or the soak's (the last may be shorter; a remainder under
    /// a thousandth of a pass is no pass).
    public var passCount: Int { soakPass.map { max(1, Int((duration / $0 - 0.001).rounded(.up))) } ?? 1 }
}
