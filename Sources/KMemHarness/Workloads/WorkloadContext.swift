import CKMemShims
import Foundation
import Histogram
import KMem
import Synchronization

/// What a workload's `run` gets besides the engine: the thread count and seed, the stop
/// control, and `runThreads`, which starts the process-context workers (and any interrupt
/// sources), times the run and collects what every driver did.
public final class WorkloadContext: @unchecked Sendable {
    // Sendable: `collected` is behind a Mutex; the start and end times are written by the
    // runner thread before and after the workers run (the DispatchGroup orders them).
    public let options: CellOptions
    public let control: RunControl
    let live: DriverBoard
    let collected = Mutex(Collected())
    private(set) var startNs: UInt64 = 0
    private(set) var endNs: UInt64 = 0
    /// Time inside the window the workload excluded (`RunControl.exclude`).
    private(set) var excludedNs: UInt64 = 0
    private(set) var resident = ResidentWindow()
    /// The engine's own footprint when the timed window closed (CellResult.ownFootprintBytes).
    private(set) var ownFootprintBytes: Int?

    struct Collected {
        var counters = OpCounters()
        /// What the drivers ran inside the window but kept out of `counters` (Driver.uncounted).
        var uncounted = OpCounters()
        var histogram = Histogram<UInt64>(highestTrackableValue: LatencySampler.highestTrackable,
                                          numberOfSignificantValueDigits: .three)
        var missedTicks = 0
        /// The workload's own figures, for the `workload_extra` column.
        var figures: [String: Double] = [:]
    }

    /// Interrupt contexts per source: the hardirq and the softirq driver.
    static let maxInterruptSources = 2
    /// Drivers a workload runs beside its threads (a shrinker, a completion context).
    static let maxSideDrivers = 2

    public init(options: CellOptions) {
        self.options = options
        live = DriverBoard(slots: options.threads + 2 * Self.maxInterruptSources + Self.maxSideDrivers)
        control = RunControl(maxRounds: options.rounds ?? Int.max, warmUp: options.rounds == nil, board: live)
    }

    public var threads: Int { options.threads }

    /// A generator for one stream of the cell (a thread, a context): the same seed and stream
    /// give the same numbers on every run.
    public func random(stream: Int) -> Random { Random(seed: options.seed, stream: UInt64(stream)) }

    /// The timed window's length, less the stretches the workload excluded.
    public var seconds: Double { Double(endNs &- startNs &- excludedNs) / 1e9 }

    /// Runs `body(threadIndex, &driver)` on `threads` serial queues, each thread bound to
    /// model CPU = its index, and the interrupt sources beside them. Returns when every worker
    /// and source has finished. A timed cell's window opens once every worker has finished its
    /// setup (its first `driver.more`) and the warm-up has run, and closes at the stop; a rounds
    /// cell's runs from the start barrier until every worker and source is done.
    public func runThreads<E: Engine>(
        _ engine: E, interrupts: [InterruptPlan<E>] = [],
        _ body: @escaping @Sendable (_ thread: Int, _ driver: inout Driver<E.Worker>) -> Void
    ) {
        precondition(interrupts.count <= Self.maxInterruptSources, "at most \(Self.maxInterruptSources) interrupt sources")
        engine.start()
        let group = DispatchGroup()
        for thread in 0..<threads {
            DispatchQueue(label: "kmembench.worker.\(thread)").async(group: group) { [self] in
                pinIfAsked(thread)
                CPU.withCPU(thread) {
                    var driver = makeDriver(engine, cpu: thread, slot: thread)
                    control.arriveAndWait()
                    body(thread, &driver)
                    collect(engine, &driver)
                }
            }
        }
        let sources = interrupts.enumerated().map { index, plan in
            InterruptSource(plan: plan, index: index, maxTicks: control.maxRounds, precise: options.preciseTimer,
                            hardirqDriver: makeDriver(engine, cpu: plan.cpu, slot: threads + 2 * index),
                            softirqDriver: makeDriver(engine, cpu: plan.softirqCPU, slot: threads + 2 * index + 1))
        }
        control.waitForArrivals(threads)
        let goNs = kmem_shim_monotonic_ns()
        control.go.store(true, ordering: .releasing)
        sources.forEach { $0.start() }
        let timed = options.rounds == nil
        if timed {
            control.waitForReady(threads, deadline: goNs + Self.setupLimitNs)
            _ = kmem_shim_sleep_until(kmem_shim_monotonic_ns() + UInt64(options.warmup * 1e9))
            startNs = kmem_shim_monotonic_ns()
            control.enter(RunControl.timed)
        } else {
            startNs = goNs
        }
        waitForEnd(sources)
        // A rounds-limited loop stops by itself; raising stop early would cut it short.
        if timed {
            endNs = kmem_shim_monotonic_ns()
            control.enter(RunControl.stopped)
            ownFootprintBytes = engine.footprintBytes()
        }
        for source in sources {
            source.stop(engine: engine) { collect(engine, &$0) }
            collected.withLock { $0.missedTicks += source.missedTicks.load(ordering: .relaxed) }
        }
        control.interruptsDone.store(true, ordering: .releasing)
        group.wait()
        if !timed {
            endNs = kmem_shim_monotonic_ns()
            ownFootprintBytes = engine.footprintBytes()
        }
        excludedNs = control.excludedNs(within: startNs..<max(startNs, endNs))
    }

    /// Takes the resident-memory baseline: just before the workload runs, so that what its
    /// setup allocates (caches filled, a warm-up of its own) counts as the allocator's.
    func openResidentWindow() { resident.open() }

    /// How long the warm-up waits for the workers' setup before it starts regardless.
    static let setupLimitNs: UInt64 = 5_000_000_000

    /// A timed cell ends after its duration; a rounds-limited one when its interrupt sources
    /// have ticked their rounds (its workers stop on their own).
    private func waitForEnd<E>(_ sources: [InterruptSource<E>]) {
        guard options.rounds == nil else {
            while !sources.allSatisfy(\.finishedTicks) { usleep(200) }
            return
        }
        let deadline = startNs + UInt64(options.duration * 1e9)
        _ = kmem_shim_sleep_until(deadline)
    }

    func makeDriver<E: Engine>(_ engine: E, cpu: Int, slot: Int) -> Driver<E.Worker> {
        Driver(worker: engine.makeWorker(cpu: cpu),
               sampler: LatencySampler(period: options.samplePeriod, phase: slot * 97),
               slot: live.slot(slot), control: control, isWorker: slot < threads)
    }

    /// A driver for work the workload runs outside `runThreads`' threads and interrupt sources
    /// (side `index` < `maxSideDrivers`), as model CPU `cpu`. Hand it back with `collect`.
    func makeSideDriver<E: Engine>(_ engine: E, cpu: Int, index: Int) -> Driver<E.Worker> {
        precondition(index < Self.maxSideDrivers, "at most \(Self.maxSideDrivers) side drivers")
        return makeDriver(engine, cpu: cpu, slot: threads + 2 * Self.maxInterruptSources + index)
    }

    /// Adds to the workload's figures (summed over threads).
    public func addFigures(_ figures: [String: Double]) {
        collected.withLock { $0.figures.merge(figures, uniquingKeysWith: +) }
    }

    /// The workload's figures so far.
    public var figures: [String: Double] { collected.withLock { $0.figures } }

    func collect<E: Engine>(_ engine: E, _ driver: inout Driver<E.Worker>) {
        engine.retire(&driver.worker)
        let counters = driver.windowCounters
        let uncounted = driver.uncountedCounters
        let histogram = driver.ledger.sampler.histogram
        collected.withLock {
            $0.counters = $0.counters + counters
            $0.uncounted = $0.uncounted + uncounted
            $0.histogram.add(histogram)
        }
    }

    private func pinIfAsked(_ thread: Int) {
        guard options.affinity else { return }
        // A failed pin leaves the thread unpinned; the cell still measures, just unpinned.
        try? CPU.pinCurrentThread(to: thread % CPU.configuredCount)
    }
}
