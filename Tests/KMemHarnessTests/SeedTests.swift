@testable import KMemHarness
import Testing

@Suite("seeds") struct SeedTests {
    // Not here, as their originals draw no random numbers: xmalloc (xmalloc-test -s 64) and
    // sh6bench (a fixed size walk).
    static let randomised = ["larson", "glibc-thread", "alloc-test", "mstress", "kmalloc-mix"]

    func sequences(_ workload: String, seed: UInt64) throws -> [Int: [Int]] {
        let engine = RecordingEngine()
        _ = try runInProcess(workload, on: engine, threads: 1, rounds: 300, seed: seed)
        return engine.sequences.withLock { $0 }
    }

    @Test("the same seed gives the same operation sequence; another seed another", arguments: randomised)
    func reproducible(workload: String) throws {
        let first = try sequences(workload, seed: 11)
        #expect(try sequences(workload, seed: 11)[0] == first[0])
        #expect(try sequences(workload, seed: 12)[0] != first[0])
    }
}

@Suite("seeds per repetition") struct RepetitionSeedTests {
    @Test("each repetition runs with its own seed, the run's plus the repetition, and the row records it")
    func distinctSeeds() throws {
        let out = try temporaryDirectory().appendingPathComponent("r.csv")
        let (status, errors) = try runKmembench(["run", "--engines", "floor", "--workloads", "pair", "--threads", "1",
                                                 "--duration", "0.05s", "--repetitions", "3", "--seed", "7", "--out", out.path])
        #expect(status == 0, "\(errors)")
        let rows = try ResultsReader.read(out)
        #expect(rows.map { [$0[.repetition], $0[.seed]] } == [["0", "7"], ["1", "8"], ["2", "9"]])
    }
}
