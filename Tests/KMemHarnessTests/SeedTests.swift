@testable import KMemHarness
import Testing

@Suite("seeds") struct SeedTests {
    static let randomised = ["larson", "glibc-thread", "alloc-test", "mstress", "sh6bench", "kmalloc-mix", "xmalloc"]

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
