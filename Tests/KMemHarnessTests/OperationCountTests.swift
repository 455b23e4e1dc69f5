import KMem
@testable import KMemHarness
import Testing

@Suite("operation counts") struct OperationCountTests {
    @Test("pair issues two operations per round, and the engine saw exactly those")
    func pairCounts() throws {
        let engine = RecordingEngine()
        let collected = try runInProcess("pair", on: engine, threads: 2, rounds: 1000)
        #expect(collected.counters.allocations == 2000)
        #expect(collected.counters.frees == 2000)
        #expect(collected.counters.operations == 4000)
        #expect(engine.allocations.load(ordering: .relaxed) == 2000)
        #expect(engine.frees.load(ordering: .relaxed) == 2000)
    }

    @Test("every workload's counts (with what it ran uncounted) equal the calls the engine served, and it frees all it allocates",
          arguments: WorkloadRegistry.all.map(\.info.name))
    func countsMatchEngine(workload: String) throws {
        let engine = RecordingEngine()
        let collected = try runInProcess(workload, on: engine, threads: 2, rounds: 50)
        #expect(collected.counters.allocations > 0)
        #expect(collected.counters.allocations + collected.counters.failures == engine.allocations.load(ordering: .relaxed))
        let all = collected.counters + collected.uncounted
        #expect(collected.uncounted.allocations == 0, "only frees are kept out of the counts")
        #expect(all.frees == engine.frees.load(ordering: .relaxed))
        #expect(all.frees == all.allocations, "\(workload) leaked blocks")
    }

    @Test("batch counts: count allocations and count frees per round and thread")
    func batchCounts() throws {
        let collected = try runInProcess("batch:count=10,kind=pages", on: FloorEngine(), threads: 1, rounds: 7)
        #expect(collected.counters.allocations == 70)
        #expect(collected.counters.operations == 140)
    }
}
