import Foundation
import KMem
@testable import KMemHarness
import KMemBaselines
import Testing

/// The ports of larson, mstress and xmalloc-test do what the originals' structure says:
/// their operation counts, their thread turnover, their cross-thread frees, mstress's check.
@Suite("classic ports: larson, mstress, xmalloc", .serialized) struct ClassicPortTestsA {
    /// The engines a port must run correctly on here: the model kernel and a baseline (glibc's
    /// malloc is always there; jemalloc needs the static TLS tunable, so it runs in children).
    func engines() throws -> [(name: String, engine: AnyEngine)] {
        [("kmem", .kmem(try EngineCompatibilityTests().kmem("memory=256M"))),
         ("glibc", .baseline(try BaselineEngine(.glibc)))]
    }

    func run(_ workload: String, on engine: AnyEngine, threads: Int, rounds: Int) throws -> WorkloadContext.Collected {
        let instance = try WorkloadRegistry.instantiate(NamedSpec(parsing: workload, what: "workload"))
        let context = WorkloadContext(options: CellOptions(threads: threads, rounds: rounds, samplePeriod: 0))
        instance.run(engine, context)
        return context.collected.withLock { $0 }
    }

    @Test("larson: warm-up plus one free and one allocation per round, a new OS thread per lifetime")
    func larsonCounts() throws {
        // 100 chunks, a lifetime of 3 x 100 replacements: 1000 rounds are 4 lifetimes.
        let collected = try runInProcess("larson:chunks=100,rounds=3", on: RecordingEngine(), threads: 1, rounds: 1000)
        let warmUpAllocations = 100 + 4 * 100, warmUpFrees = 4 * 100
        #expect(collected.counters.allocations == warmUpAllocations + 1000)
        #expect(collected.counters.frees == warmUpFrees + 1000 + 100)
        #expect(collected.figures["threads_created"] == 4)
        #expect(collected.figures["allocs_per_s", default: 0] > 0)
    }

    @Test("larson at one thread frees blocks a previous thread allocated, every lifetime")
    func larsonRemoteAtOneThread() throws {
        let engine = RecordingEngine()
        let oneLifetime = try runInProcess("larson:chunks=100,rounds=30", on: engine, threads: 1, rounds: 3000)
        let threeLifetimes = try runInProcess("larson:chunks=100,rounds=10", on: engine, threads: 1, rounds: 3000)
        // The 100 left at the end are freed by the supervisor; the first lifetime frees the
        // warm-up's blocks; each later one its predecessor's.
        #expect(oneLifetime.counters.remoteFrees > 100)
        #expect(threeLifetimes.counters.remoteFrees > oneLifetime.counters.remoteFrees + 2 * 50)
        #expect(threeLifetimes.counters.remoteFrees < threeLifetimes.counters.frees)
    }

    @Test("larson, mstress and xmalloc run on kmem and a baseline and free all they allocate",
          arguments: ["larson:chunks=500,rounds=2", "mstress:scale=4", "xmalloc"])
    func runsOnKmemAndBaseline(workload: String) throws {
        for (name, engine) in try engines() {
            let collected = try run(workload, on: engine, threads: 2, rounds: 20)
            #expect(collected.counters.failures == 0, "\(workload) on \(name)")
            #expect(collected.counters.allocations > 0, "\(workload) on \(name)")
            #expect(collected.counters.frees == collected.counters.allocations, "\(workload) on \(name)")
        }
    }

    @Test("mstress: each thread's share per iteration, all of it freed, new threads 1..N-1 each iteration")
    func mstressCounts() throws {
        // scale 1: thread t makes 100 (t % 8 + 1) allocations and half as many retained ones,
        // plus its data and retained arrays.
        let perIteration = [0, 1].map { thread in 100 * (thread % 8 + 1) * 3 / 2 + 2 }
        let one = try runInProcess("mstress:scale=1", on: RecordingEngine(), threads: 1, rounds: 5)
        #expect(one.counters.allocations == 5 * perIteration[0])
        #expect(one.counters.frees == one.counters.allocations)
        #expect(one.figures["threads_created"] == nil, "the main thread runs thread 0's share itself")
        #expect(one.figures["iterations"] == 5)
        let two = try runInProcess("mstress:scale=1", on: RecordingEngine(), threads: 2, rounds: 5)
        #expect(two.counters.allocations == 5 * (perIteration[0] + perIteration[1]))
        #expect(two.counters.frees == two.counters.allocations)
        #expect(two.figures["threads_created"] == 5)
        #expect(two.counters.remoteFrees > 0, "blocks pass through the transfer array")
    }

    @Test("mstress's verification finds a corrupted word, and a corrupted count")
    func mstressVerification() throws {
        let items = 8
        let block = UnsafeMutableRawPointer.allocate(byteCount: items * 8, alignment: 8)
        defer { block.deallocate() }
        let words = block.assumingMemoryBound(to: UInt.self)
        for index in 0..<items { words[index] = UInt(items - index) ^ MstressItems.cookie }
        #expect(MstressItems.firstCorruption(block, items: items) == nil)
        words[5] ^= 1
        #expect(MstressItems.firstCorruption(block, items: items) == 5)
        #expect(MstressItems.firstCorruption(block, items: -3) == 0)
        #expect(MstressItems.firstCorruption(block, items: MstressItems.maximumItems + 1) == 0)
    }

    @Test("mstress's sizes include the 100x, 1000x and 10000x blocks")
    func mstressLargeBlocks() throws {
        let engine = RecordingEngine()
        _ = try runInProcess("mstress:scale=50", on: engine, threads: 1, rounds: 4)
        let sizes = engine.sequences.withLock { $0[0] ?? [] }
        let dataArray = 100_000 * 8
        #expect(sizes.contains { $0 > 64 * 100 * 8 && $0 != dataArray }, "a 1000x or 10000x block")
        #expect(sizes.contains { $0 >= 100 * 8 && $0 <= 64 * 100 * 8 }, "a 100x block")
        #expect(sizes.contains(8) && sizes.contains(64 * 8), "the 1- and 64-word blocks")
    }

    @Test("xmalloc: producers allocate batches of 4096 plus the batch, consumers free them all, remotely")
    func xmallocSplit() throws {
        let collected = try runInProcess("xmalloc", on: RecordingEngine(), threads: 4, rounds: 3)
        // Two producers, three batches each.
        #expect(collected.counters.allocations == 2 * 3 * (4096 + 1))
        #expect(collected.counters.frees == collected.counters.allocations)
        #expect(collected.counters.remoteFrees == collected.counters.frees, "only consumers free")
        #expect(collected.figures["object_frees"] == Double(2 * 3 * 4096))
    }

    @Test("xmalloc's producers make every allocation: consumers' model CPUs allocate nothing")
    func xmallocRoles() throws {
        let engine = RecordingEngine()
        _ = try runInProcess("xmalloc:size=32", on: engine, threads: 2, rounds: 2)
        let sequences = engine.sequences.withLock { $0 }
        #expect(sequences[0] == [Xmalloc.batchBytes] + Array(repeating: 32, count: 4096)
            + [Xmalloc.batchBytes] + Array(repeating: 32, count: 4096))
        #expect(sequences[1, default: []].isEmpty)
    }

    @Test("a new thread for a driver keeps its counters and is a different OS thread")
    func onNewThread() throws {
        let engine = FloorEngine()
        let context = WorkloadContext(options: CellOptions(threads: 1, rounds: 1, samplePeriod: 0))
        let threads = LockedValue<[pthread_t]>([])
        context.runThreads(engine) { _, driver in
            threads.withLock { $0.append(pthread_self()) }
            for _ in 0..<3 {
                context.onNewThread(engine, cpu: 0, &driver) { driver in
                    threads.withLock { $0.append(pthread_self()) }
                    if let block = driver.allocObject(size: 64) { driver.freeObject(block, size: 64) }
                }
            }
        }
        let collected = context.collected.withLock { $0 }
        #expect(collected.counters.allocations == 3)
        #expect(collected.counters.frees == 3)
        #expect(collected.figures["threads_created"] == 3)
        let seen = threads.withLock { $0 }
        #expect(seen.count == 4)
        #expect(!seen.dropFirst().contains(seen[0]), "each lifetime runs on another OS thread than the caller")
    }
}
