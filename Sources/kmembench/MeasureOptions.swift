import ArgumentParser
import KMemHarness

/// How each cell is measured: the options `run` and `tune` share, so a tuning point is
/// measured exactly as a `run` cell is.
struct MeasureOptions: ParsableArguments {
    @Option(help: "Comma-separated thread counts.")
    var threads: String?
    @Option(help: "Timed length of each cell (2s, 500ms).")
    var duration: String?
    @Option(help: "Repetitions of every cell.")
    var repetitions: Int?
    @Option(help: "Seed for every workload's random choices.")
    var seed: UInt64 = 1
    @Option(help: "Time one operation in this many (0: no latency sampling).")
    var samplePeriod = 1024
    @Flag(help: "Pin worker i to CPU i mod CPUs.")
    var affinity = false
    @Flag(help: "Interrupt sources use a clock_nanosleep thread instead of a DispatchSource timer.")
    var preciseTimer = false
    @Option(help: "Results CSV; the summary goes beside it as NAME.summary.csv.")
    var out: String

    /// The cell options, with `preset`'s duration where none was given.
    func cellOptions(preset: Suite?) throws(SpecError) -> CellOptions {
        guard samplePeriod >= 0 else { throw SpecError("sample period must not be negative, got \(samplePeriod)") }
        return CellOptions(seed: seed, duration: try duration.map(DurationText.seconds) ?? preset?.duration ?? 1,
                           samplePeriod: samplePeriod, affinity: affinity, preciseTimer: preciseTimer)
    }

    func threadCounts(preset: Suite?) throws(SpecError) -> [Int] {
        try threads.map(Self.integers) ?? preset?.threads ?? [1]
    }

    static func integers(_ text: String) throws(SpecError) -> [Int] {
        try Run.list(text).map { item throws(SpecError) in
            guard let value = Int(item) else { throw SpecError("malformed thread count '\(item)'") }
            return value
        }
    }

    /// Runs every cell of `plan` (one child each), writes the CSV and its summary whole, and
    /// prints the results table.
    static func measure(_ plan: RunPlan, into output: ResultsOutput) throws -> [ResultRecord] {
        let reporter = ProgressReporter()
        let records = Runner(plan: plan).run { reporter.report(done: $0, total: $1, record: $2) }
        let summary = Summary.make(records, reference: plan.reference)
        try output.write(records: records, summary: summary)
        print(ResultsTable.render(summary))
        print("wrote \(output.results.path) and \(output.summary.path)")
        return records
    }
}
