import Foundation
@testable import KMemHarness
import Testing

@Suite("child processes", .serialized) struct ChildProcessTests {
    func plan(_ engines: [String], _ workloads: [String], duration: Double = 0.15, repetitions: Int = 1) throws -> RunPlan {
        try RunPlan(engines: engines, workloads: workloads, threads: [1], repetitions: repetitions,
                    options: CellOptions(duration: duration, samplePeriod: 256))
    }

    /// This program behind a wrapper that, on `batch` cells, kills itself with SIGSEGV before
    /// anything runs: a child that dies as one whose allocator crashed.
    func crashingOnBatch() throws -> ChildLauncher {
        let script = try temporaryDirectory().appendingPathComponent("crash-on-batch")
        try """
            #!/bin/sh
            case "$*" in *'"workload":"batch"'*) kill -SEGV $$ ;; esac
            exec '\(kmembenchExecutable)' "$@"
            """.write(to: script, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: script.path)
        return ChildLauncher(executable: script.path)
    }

    @Test("a crashing cell becomes a failed row, the run finishes, and the CSV reads back whole")
    func crashIsARow() throws {
        let runner = Runner(plan: try plan(["floor", "jemalloc"], ["batch", "pair"]), launcher: try crashingOnBatch())
        let records = runner.run().records
        #expect(records.count == 4)
        for record in records where record[.workload] == "batch" {
            #expect(record[.status] == "failed")
            #expect(record[.error].contains("signal"), "\(record[.error])")
        }
        for record in records where record[.workload] == "pair" {
            #expect(record[.status] == "ok", "\(record[.error])")
            #expect(Int(record[.ops])! > 0)
            #expect(Int(record[.peakRSSKB])! > 0)
        }
        let directory = try temporaryDirectory()
        let output = try ResultsOutput(path: directory.appendingPathComponent("results.csv").path)
        try output.write(records: records, summary: Summary.make(records, reference: runner.plan.reference))
        let back = try ResultsReader.read(output.results)
        #expect(back == records)
        #expect(FileManager.default.fileExists(atPath: output.summary.path))
    }
}

@Suite("waitpid children") struct WaitpidChildTests {
    /// `sh -c script` with output into a fresh directory.
    func spawn(_ script: String) throws -> ChildProcess {
        let directory = try temporaryDirectory()
        return try ChildProcess.spawn("/bin/sh", ["-c", script], environment: ["PATH": "/usr/bin:/bin"],
                                      stdout: directory.appendingPathComponent("out").path,
                                      stderr: directory.appendingPathComponent("err").path)
    }

    @Test("a child's exit code and terminating signal come from waitpid", arguments: [
        ("exit 3", ChildProcess.Exit.exited(3)), ("true", .exited(0)), ("kill -SEGV $$", .signaled(SIGSEGV)),
        ("kill -ABRT $$", .signaled(SIGABRT)),
    ])
    func exitLearned(script: String, expected: ChildProcess.Exit) throws {
        let child = try spawn(script)
        #expect(child.wait(until: .now + .seconds(20)) == expected)
        // Reaped: the pid is no longer our child.
        var status: Int32 = 0
        #expect(waitpid(child.pid, &status, WNOHANG) == -1 && errno == ECHILD)
    }

    @Test("the child gets default SIGINT and SIGTERM even when the parent ignores them")
    func defaultSignals() throws {
        let previous = signal(SIGTERM, SIG_IGN)
        defer { signal(SIGTERM, previous) }
        let child = try spawn("kill -TERM $$; sleep 5")
        #expect(child.wait(until: .now + .seconds(20)) == .signaled(SIGTERM))
    }

    @Test("a child past its deadline is stopped with SIGTERM, or SIGKILL when it ignores that, and reaped")
    func deadlineKill() throws {
        let started = ContinuousClock.now
        let hanging = try spawn("exec sleep 1000")
        #expect(hanging.wait(until: .now + .milliseconds(200)) == nil)
        #expect(hanging.terminate() == .signaled(SIGTERM))
        let stubborn = try spawn("trap '' TERM; exec sleep 1000")
        #expect(stubborn.wait(until: .now + .milliseconds(200)) == nil)
        #expect(stubborn.terminate(grace: .milliseconds(300)) == .signaled(SIGKILL))
        #expect(ContinuousClock.now - started < .seconds(10))
    }

    @Test("a hanging cell becomes a failed row after its timeout, and the launcher returns")
    func hangingCell() throws {
        let script = try temporaryDirectory().appendingPathComponent("hang")
        try "#!/bin/sh\ntrap '' TERM\nexec sleep 1000\n".write(to: script, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: script.path)
        let request = CellRequest(engine: "floor", workload: "pair", options: CellOptions(duration: 0.1))
        let started = ContinuousClock.now
        let outcome = ChildLauncher(executable: script.path).run(request, environment: [:], timeout: 0.5)
        guard case .failure(let failure)? = outcome else { Issue.record("expected a failure, got \(String(describing: outcome))"); return }
        #expect(failure.description.contains("timed out after"), "\(failure)")
        #expect(ContinuousClock.now - started < .seconds(15))
    }
}
