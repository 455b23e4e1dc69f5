import Foundation
@testable import KMemHarness
import Testing

@Suite("interrupt and resume", .serialized) struct ResumeTests {
    static func arguments(repetitions: Int = 3, duration: String = "300ms") -> [String] {
        ["--engines", "floor", "--workloads", "pair,batch", "--threads", "1", "--duration", duration,
         "--repetitions", "\(repetitions)"]
    }

    func plan() throws -> RunPlan {
        try RunPlan(engines: ["floor"], workloads: ["pair", "batch"], threads: [1], repetitions: 2,
                    options: CellOptions(duration: 0.2, samplePeriod: 256))
    }

    /// This program behind a wrapper whose `batch` cells hang until killed.
    func hangingOnBatch() throws -> ChildLauncher {
        let script = try temporaryDirectory().appendingPathComponent("hang-on-batch")
        try """
            #!/bin/sh
            case "$*" in *'"workload":"batch"'*) exec sleep 1000 ;; esac
            exec '\(kmembenchExecutable)' "$@"
            """.write(to: script, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: script.path)
        return ChildLauncher(executable: script.path)
    }

    @Test("a stop request kills the running child and ends the run with the finished rows; a resume runs exactly the missing cells")
    func stopThenResume() throws {
        let plan = try plan()
        let stop = StopRequest()
        let started = ContinuousClock.now
        // Cell 1 (batch) hangs: the stop, half a second into it, must end it well before its timeout.
        let first = Runner(plan: plan, launcher: try hangingOnBatch()).run(stop: stop) { progress in
            if progress.done == 1 { Thread.detachNewThread { usleep(500_000); stop.request(SIGINT) } }
        }
        #expect(ContinuousClock.now - started < .seconds(plan.timeoutSlack / 2))
        #expect(first.stoppedBy == SIGINT)
        #expect(first.records.map { $0[.cellIndex] } == ["0"])
        var ran: [String] = []
        let second = Runner(plan: plan, launcher: ChildLauncher(executable: kmembenchExecutable))
            .run(after: first.records) { ran.append($0.record[.cellIndex]) }
        #expect(second.stoppedBy == nil)
        #expect(ran == ["1", "2", "3"])
        #expect(second.records.map { $0[.cellIndex] } == ["0", "1", "2", "3"])
        #expect(second.records.allSatisfy { $0.isOK })
        #expect(second.records.first == first.records.first)
    }

    /// Starts `kmembench run` and sends it `signal` once its CSV holds `rows` rows.
    func interrupted(_ arguments: [String], at rows: Int, with signal: Int32, csv: URL) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: kmembenchExecutable)
        process.arguments = ["run"] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline, ((try? ResultsReader.read(csv))?.count ?? 0) < rows { usleep(20_000) }
        kill(process.processIdentifier, signal)
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, output)
    }

    @Test("SIGINT or SIGTERM leaves a complete CSV and summary and the command to resume; the resume finishes them",
          arguments: [SIGINT, SIGTERM])
    func interruptedRun(signal: Int32) throws {
        let directory = try temporaryDirectory()
        let csv = directory.appendingPathComponent("r.csv")
        let (status, output) = try interrupted(Self.arguments() + ["--out", csv.path], at: 1, with: signal, csv: csv)
        #expect(status == 128 + signal)
        #expect(output.contains("interrupted by \(ChildLauncher.signalName(signal))"), "\(output)")
        #expect(output.contains("--resume \(csv.path)"), "\(output)")
        let partial = try ResultsReader.read(csv)
        #expect((1..<6).contains(partial.count))
        #expect(partial.allSatisfy { $0.isOK })
        let summary = directory.appendingPathComponent("r.summary.csv")
        #expect(try String(contentsOf: summary, encoding: .utf8).contains("floor"))
        // No temporary file left beside them.
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted() == ["r.csv", "r.summary.csv"])

        #expect(try runKmembench(["run"] + Self.arguments() + ["--resume", csv.path]).status == 0)
        let whole = try ResultsReader.read(csv)
        #expect(whole.map { $0[.cellIndex] } == (0..<6).map(String.init))
        #expect(Array(whole.prefix(partial.count)) == partial)
        #expect(Set(whole.map { $0[.runID] }).count == 1)
    }

    @Test("a resume refuses a file of another plan or shard, running nothing and leaving the file as it was",
          arguments: [
              (arguments(repetitions: 1) + ["--seed", "2"], "from another plan"),
              (arguments(repetitions: 1, duration: "200ms"), "from another plan"),
              (arguments(repetitions: 2), "from another plan"),
              (arguments(repetitions: 1) + ["--shard", "1/2"], "is of shard 1/1, this command runs shard 1/2"),
          ])
    func refusesOtherPlans(resumed: [String], message: String) throws {
        let directory = try temporaryDirectory()
        let csv = directory.appendingPathComponent("r.csv")
        #expect(try runKmembench(["run"] + Self.arguments(repetitions: 1) + ["--out", csv.path]).status == 0)
        let before = try Data(contentsOf: csv)
        let outcome = try runKmembench(["run"] + resumed + ["--resume", csv.path])
        #expect(outcome.status != 0)
        #expect(outcome.errors.contains(message), "\(outcome.errors)")
        #expect(try Data(contentsOf: csv) == before)
    }

    @Test("resuming a file that is not there, or giving no file, is an error saying so")
    func missingFile() throws {
        let csv = try temporaryDirectory().appendingPathComponent("r.csv")
        let outcome = try runKmembench(["run"] + Self.arguments() + ["--resume", csv.path])
        #expect(outcome.status != 0)
        #expect(outcome.errors.contains("cannot resume: \(csv.path) does not exist"), "\(outcome.errors)")
        let neither = try runKmembench(["run"] + Self.arguments())
        #expect(neither.status != 0)
        #expect(neither.errors.contains("no results file: give --out FILE (or --resume FILE)"), "\(neither.errors)")
    }
}
