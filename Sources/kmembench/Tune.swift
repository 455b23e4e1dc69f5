import ArgumentParser
import KMemHarness

/// `kmembench tune`: sweeps engine parameters over one workload, each point measured as
/// `run` measures a cell, then prints the best setting per objective and the Pareto front.
struct Tune: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Sweep engine parameters on a workload; print the best settings and the throughput/footprint Pareto set.",
        discussion: "Example: kmembench tune --engine kmem --workload netrx --param magazine=4,8,16,32 --param depot_cap=2,10 --out tune.csv")

    @Option(help: "The engine, NAME[:key=value,...]; its parameters stay fixed.")
    var engine: String
    @Option(help: "The workload, NAME[:key=value,...].")
    var workload: String
    @Option(help: "A parameter to sweep, key=v1,v2,... (repeatable: the sweep is their cartesian product).")
    var param: [String] = []
    @OptionGroup var measure: MeasureOptions

    func run() throws {
        let plan: RunPlan, output: ResultsOutput
        do {
            output = try measure.output()
            let grid = try TuningGrid(engine: engine, parameters: param)
            plan = try RunPlan(engines: grid.points.map(\.description), workloads: [workload],
                               threads: try measure.threadCounts(preset: nil), repetitions: measure.repetitions ?? 3,
                               options: try measure.cellOptions(preset: nil))
        } catch {
            throw ValidationError(error.description)
        }
        var tuned = plan
        tuned.suite = "tune"
        let records = try measure.measure(tuned, into: output)
        for result in TuningResult.sweeps(in: records) {
            print("\n" + result.table.text + "\n" + result.verdict)
        }
    }
}
