import ArgumentParser
import Foundation
import KMemHarness

/// `kmembench run`: engines x workloads x threads x repetitions, one child process per cell;
/// writes the results CSV and its summary, prints a table.
struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run workloads on engines, one process per cell, and write CSV results.")

    @Option(help: "Preset: quick, slab, vmalloc, mempool, standard or full (explicit options override its parts).")
    var suite: String?
    @Option(help: "Comma-separated engines, NAME[:key=value,...] (see `kmembench list`); separate with ';' when they have parameters.")
    var engines: String?
    @Option(help: "Comma-separated workloads, NAME[:key=value,...]; separate several with ';' when they have parameters.")
    var workloads: String?
    @Option(help: "Comma-separated thread counts.")
    var threads: String?
    @Option(help: "Timed length of each cell (2s, 500ms).")
    var duration: String?
    @Option(help: "Repetitions of every cell.")
    var repetitions: Int?
    @Option(help: "Seed for every workload's random choices.")
    var seed: UInt64 = 1
    @Option(help: "Engine the summary's ratios are taken against (default: the first).")
    var reference: String?
    @Option(help: "Time one operation in this many (0: no latency sampling).")
    var samplePeriod = 1024
    @Flag(help: "Pin worker i to CPU i mod CPUs.")
    var affinity = false
    @Flag(help: "Interrupt sources use a clock_nanosleep thread instead of a DispatchSource timer.")
    var preciseTimer = false
    @Option(help: "Results CSV; the summary goes beside it as NAME.summary.csv.")
    var out: String

    func run() throws {
        let (plan, output) = try makePlan()
        let reporter = ProgressReporter()
        let records = Runner(plan: plan).run { reporter.report(done: $0, total: $1, record: $2) }
        let summary = Summary.make(records, reference: plan.reference)
        try output.write(records: records, summary: summary)
        print(ResultsTable.render(summary))
        print("wrote \(output.results.path) and \(output.summary.path)")
    }

    /// Every input checked before anything runs; errors exit non-zero and write nothing.
    func makePlan() throws -> (RunPlan, ResultsOutput) {
        do {
            let preset = try suite.map { name throws(SpecError) in
                guard let preset = Suite(rawValue: name) else {
                    throw SpecError("unknown suite '\(name)' (known: \(Suite.allCases.map(\.rawValue).joined(separator: ", ")))")
                }
                return preset
            }
            let output = try ResultsOutput(path: out)
            let options = CellOptions(
                seed: seed, duration: try duration.map(DurationText.seconds) ?? preset?.duration ?? 1,
                samplePeriod: samplePeriod, affinity: affinity, preciseTimer: preciseTimer)
            guard samplePeriod >= 0 else { throw SpecError("sample period must not be negative, got \(samplePeriod)") }
            let plan = try RunPlan(
                engines: engines.map(Self.specList) ?? preset?.engines ?? ["kmem", "glibc", "jemalloc"],
                workloads: workloads.map(Self.specList) ?? preset?.workloads ?? ["pair"],
                threads: try threads.map(Self.integers) ?? preset?.threads ?? [1],
                repetitions: repetitions ?? preset?.repetitions ?? 3, options: options,
                reference: reference ?? preset?.reference)
            return (plan, output)
        } catch let error as SpecError {
            throw ValidationError(error.description)
        }
    }

    static func list(_ text: String) -> [String] {
        text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
    }

    /// Specs split on ';' when any has parameters (their commas separate keys), else on ','.
    static func specList(_ text: String) -> [String] {
        text.contains(":") ? text.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) } : list(text)
    }

    static func integers(_ text: String) throws(SpecError) -> [Int] {
        try list(text).map { item throws(SpecError) in
            guard let value = Int(item) else { throw SpecError("malformed thread count '\(item)'") }
            return value
        }
    }
}
