import ArgumentParser
import Foundation
import KMemHarness

/// How each cell is measured: the options `run` and `tune` share, so a tuning point is
/// measured exactly as a `run` cell is.
struct MeasureOptions: ParsableArguments {
    @Option(help: "Comma-separated thread counts.")
    var threads: String?
    @Option(help: "Timed length of each cell (2s, 500ms).")
    var duration: String?
    @Option(help: "Untimed run of each cell's loops before its timed window (default 100ms; 0 for none).")
    var warmup: String?
    @Option(help: "Run each cell as consecutive passes of this length on one engine, with the conservation audit and a footprint reading between passes (a soak; the soak suite's default: a twentieth of --duration).")
    var soakPass: String?
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
    var out: String?
    @Option(help: "Finish an interrupted run: the CSV it wrote (the same options as the run; --out defaults to it).")
    var resume: String?

    /// Where results go: --out, else the file resumed.
    func output() throws(SpecError) -> ResultsOutput {
        guard let path = out ?? resume else { throw SpecError("no results file: give --out FILE (or --resume FILE)") }
        return try ResultsOutput(path: path)
    }

    /// The cell options, with `preset`'s duration where none was given.
    func cellOptions(preset: Suite?) throws(SpecError) -> CellOptions {
        guard samplePeriod >= 0 else { throw SpecError("sample period must not be negative, got \(samplePeriod)") }
        let seconds = try duration.map(DurationText.seconds) ?? preset?.duration ?? 1
        return CellOptions(seed: seed, duration: seconds, warmup: try warmupSeconds(),
                           samplePeriod: samplePeriod, affinity: affinity, preciseTimer: preciseTimer,
                           soakPass: try soakPassSeconds(duration: seconds, preset: preset))
    }

    /// The soak pass: --soak-pass, else the soak suite's twentieth of the duration, else none.
    private func soakPassSeconds(duration: Double, preset: Suite?) throws(SpecError) -> Double? {
        guard let soakPass else { return preset == .soak ? duration / Double(Suite.soakPasses) : nil }
        let seconds = try DurationText.seconds(soakPass)
        guard seconds <= duration else {
            throw SpecError("soak pass \(soakPass) is longer than the cell's duration (\(duration) s)")
        }
        guard duration / seconds <= Double(Suite.maxSoakPasses) else {
            throw SpecError("soak pass \(soakPass) makes more than \(Suite.maxSoakPasses) passes of the cell's duration; give a longer pass")
        }
        return seconds
    }

    private func warmupSeconds() throws(SpecError) -> Double {
        guard let warmup else { return CellOptions.defaultWarmup }
        return Double(warmup) == 0 ? 0 : try DurationText.seconds(warmup)
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

    /// Runs every cell of `plan` (one child each) that the resumed file lacks, rewriting the
    /// CSV whole after each cell (a crash of this process keeps every finished row), then
    /// writes the summary and prints the results table. SIGINT or SIGTERM stops the running
    /// cell, writes the rows finished, prints how to resume, and exits 128 + the signal.
    func measure(_ plan: RunPlan, into output: ResultsOutput) throws -> [ResultRecord] {
        let previous = try resume.map { try plan.finishedRows(in: URL(fileURLWithPath: $0)) } ?? []
        let metadata = RunMetadata.resuming(previous)
        if let first = previous.first, first[.gitRev] != metadata.gitRevision || first[.host] != metadata.host {
            FileHandle.standardError.write(Data("warning: resuming at \(metadata.gitRevision) on \(metadata.host); the run began at \(first[.gitRev]) on \(first[.host])\n".utf8))
        }
        if !previous.isEmpty { print("resuming: \(previous.count) of \(plan.cells.count) cells already in \(resume!)") }
        StopRequest.installSignalHandlers()
        let reporter = ProgressReporter()
        let completed = Runner(plan: plan, metadata: metadata).run(after: previous, stop: .signals) { progress in
            reporter.report(done: progress.done, total: progress.total, record: progress.record)
            do { try output.write(records: progress.records) } catch {
                // The rows stay in memory and the final write tries again.
                FileHandle.standardError.write(Data("warning: cannot save the rows so far: \(error)\n".utf8))
            }
        }
        let records = completed.records
        let summary = Summary.make(records, reference: plan.reference)
        try output.write(records: records, summary: summary)
        if let signal = completed.stoppedBy {
            print("\ninterrupted by \(ChildLauncher.signalName(signal)): \(records.count) of \(plan.cells.count) cells done, "
                  + "written to \(output.results.path) and \(output.summary.path)")
            print("resume with: " + Self.resumeCommand(output.results.path))
            throw ExitCode(128 + signal)
        }
        print(ResultsTable.render(summary))
        print("wrote \(output.results.path) and \(output.summary.path)")
        return records
    }
}
