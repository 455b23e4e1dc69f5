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
        let records = runner.run()
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
