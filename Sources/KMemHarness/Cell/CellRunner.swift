/// Runs one cell in this process: builds the engine and the workload, calibrates sampling,
/// runs with the resource sampler beside it (once, or pass after pass for a soak), and gathers
/// the result. The parent calls this through the hidden `cell` subcommand of its own
/// executable, so a cell owns its process.
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
        let options = request.options
        if options.soakPass != nil {
            let soak = try Soak(workload, on: engine, options: options)
            return soak.totals.result(options: options, calibration: calibration, engine: engine.report(),
                                      extraFigures: soak.figures)
        }
        let pass = CellPass(workload, on: engine, options: options)
        // The result is read before the audit, whose frame map must not show in the memory figures.
        let result = PassTotals(pass).result(options: options, calibration: calibration, engine: engine.report())
        if let failure = Failure(audit: engine.audit(), after: "the workload") { throw failure }
        return result
    }
}
