/// Runs one cell in this process: builds the engine and the workload, calibrates sampling,
/// runs with the resource sampler beside it, and gathers the result. The parent calls this
/// through the hidden `cell` subcommand of its own executable, so a cell owns its process.
public enum CellRunner {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    public static func run(_ request: CellRequest) throws -> CellResult {
        let engine = try EngineRegistry.make(NamedSpec(parsing: request.engine, what: "engine"))
        let workload = try WorkloadRegistry.instantiate(NamedSpec(parsing: request.workload, what: "workload"))
        if let reason = workload.incompatibility(engineKinds: engine.requestKinds, engine: request.engine,
                                                 threads: request.options.threads) {
            throw Failure(description: reason)
        }
        let calibration = SamplingCalibration.measure()
        let context = WorkloadContext(options: request.options)
        let sampler = ResourceSampler(intervalMs: request.options.resourceInterval, live: context.live)
        sampler.start()
        context.openResidentWindow()
        workload.run(engine, context)
        sampler.stop()
        let collected = context.collected.withLock { $0 }
        // The result is read before the audit, whose frame map must not show in the memory figures.
        let result = CellResult(
            counters: collected.counters, seconds: context.seconds, latency: LatencySummary(collected.histogram),
            samplePeriod: request.options.samplePeriod, calibration: calibration,
            peakRSSKB: ProcessStatus.peakRSSKB, resourceIntervalMs: request.options.resourceInterval,
            rssSeriesKB: sampler.rssSeriesKB, ownFootprintBytes: context.ownFootprintBytes,
            residentPeakBytes: context.resident.peakRiseBytes(),
            livePeakBytes: sampler.livePeak, missedTicks: collected.missedTicks, engine: engine.report(),
            workload: collected.figures)
        if let failure = CellRunner.Failure(audit: engine.audit()) { throw failure }
        return result
    }
}
