import Histogram

/// One run of a workload on an engine, from the resident window's opening to the workers'
/// end: what `CellResult` is made of. A cell is one pass; a soak cell is several on one engine.
struct CellPass {
    let collected: WorkloadContext.Collected
    let seconds: Double
    let peakRSSKB: Int
    let rssSeriesKB: [Int]
    let ownFootprintBytes: Int?
    let residentPeakBytes: Int?
    let livePeakBytes: Int

    init(_ workload: WorkloadInstance, on engine: AnyEngine, options: CellOptions) {
        let context = WorkloadContext(options: options)
        let sampler = ResourceSampler(intervalMs: options.resourceInterval, live: context.live)
        sampler.start()
        context.openResidentWindow()
        workload.run(engine, context)
        sampler.stop()
        collected = context.collected.withLock { $0 }
        seconds = context.seconds
        peakRSSKB = ProcessStatus.peakRSSKB
        rssSeriesKB = sampler.rssSeriesKB
        ownFootprintBytes = context.ownFootprintBytes
        residentPeakBytes = context.resident.peakRiseBytes()
        livePeakBytes = sampler.livePeak
    }
}

/// The passes of one cell so far, folded as they end (a soak keeps no pass whole: its
/// latency histogram alone is a hundred kilobytes, which would show as the soak's own growth).
/// Operations, time, latency samples and missed ticks are summed, peaks the largest, the RSS
/// series end to end, the footprint the last pass's at its close, and the workload's figures
/// averaged over the passes (a soak row's figures are one pass's worth, so they read like an
/// ordinary row's).
struct PassTotals {
    private var counters: OpCounters
    private var histogram: Histogram<UInt64>
    private var seconds: Double
    private var peakRSSKB: Int
    private var rssSeriesKB: [Int]
    private var ownFootprintBytes: Int?
    private var residentPeakBytes: Int?
    private var livePeakBytes: Int
    private var missedTicks: Int
    private var figureSums: [String: Double]
    private var passes = 1

    init(_ pass: CellPass) {
        counters = pass.collected.counters
        histogram = pass.collected.histogram
        seconds = pass.seconds
        peakRSSKB = pass.peakRSSKB
        rssSeriesKB = pass.rssSeriesKB
        ownFootprintBytes = pass.ownFootprintBytes
        residentPeakBytes = pass.residentPeakBytes
        livePeakBytes = pass.livePeakBytes
        missedTicks = pass.collected.missedTicks
        figureSums = pass.collected.figures
    }

    mutating func add(_ pass: CellPass) {
        counters = counters + pass.collected.counters
        histogram.add(pass.collected.histogram)
        seconds += pass.seconds
        peakRSSKB = max(peakRSSKB, pass.peakRSSKB)
        rssSeriesKB += pass.rssSeriesKB
        ownFootprintBytes = pass.ownFootprintBytes
        residentPeakBytes = [residentPeakBytes, pass.residentPeakBytes].compactMap { $0 }.max()
        livePeakBytes = max(livePeakBytes, pass.livePeakBytes)
        missedTicks += pass.collected.missedTicks
        figureSums.merge(pass.collected.figures, uniquingKeysWith: +)
        passes += 1
    }

    /// The cell's result, with `extraFigures` beside the workload's.
    func result(options: CellOptions, calibration: SamplingCalibration, engine: EngineReport,
                extraFigures: [String: Double] = [:]) -> CellResult {
        CellResult(
            counters: counters, seconds: seconds, latency: LatencySummary(histogram), samplePeriod: options.samplePeriod,
            calibration: calibration, peakRSSKB: peakRSSKB, resourceIntervalMs: options.resourceInterval,
            rssSeriesKB: rssSeriesKB, ownFootprintBytes: ownFootprintBytes, residentPeakBytes: residentPeakBytes,
            livePeakBytes: livePeakBytes, missedTicks: missedTicks, engine: engine,
            workload: figureSums.mapValues { $0 / Double(passes) }.merging(extraFigures) { $1 })
    }
}
