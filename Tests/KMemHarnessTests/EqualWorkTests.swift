import KMem
@testable import KMemHarness
import KMemBaselines
import Testing

/// Every engine does the same work on a workload: the same operations, the same bytes of
/// allocated memory touched by the workload, the same peak of live bytes. One thread and a
/// rounds limit make each workload's work deterministic for its seed (jemalloc runs in child
/// processes only, see EngineCompatibilityTests).
@Suite("equal work", .serialized) struct EqualWorkTests {
    /// Workloads whose work is fixed by their seed and rounds at one thread. Left out, and why:
    /// cross-free and xmalloc need two threads; netrx's drops depend on the timer; trace needs
    /// a file; vmalloc's align_shift asks every alignment until one fails, and where that is
    /// differs by allocator (the failures are counted, not operations).
    static let specs = ["pair", "pair:kind=pages", "pair:kind=caches", "pair:kind=pools", "batch", "batch:kind=pages",
                        "page-churn", "kmalloc-mix", "dcache", "bio-mempool", "larson", "sh6bench", "alloc-test",
                        "glibc-thread", "cache-thrash"]
        + ["fix_size_alloc", "random_size_alloc", "fix_align_alloc", "vrealloc", "pcpu_alloc", "full_fit_alloc",
           "long_busy_list_alloc"].map { "vmalloc:case=\($0),loops=20,busy=50,junk=50" }

    struct Work: Equatable, CustomStringConvertible {
        let operations, touched, livePeak, failures: Int
        var description: String { "\(operations) ops, \(touched) B touched, \(livePeak) B live at peak, \(failures) failed" }
    }

    static func work(_ spec: String, on engine: AnyEngine, threads: Int = 1, rounds: Int = 60) throws -> Work {
        let instance = try WorkloadRegistry.instantiate(NamedSpec(parsing: spec, what: "workload"))
        let context = WorkloadContext(options: CellOptions(threads: threads, seed: 11, rounds: rounds, samplePeriod: 0))
        instance.run(engine, context)
        let counters = context.collected.withLock { $0.counters }
        // With no sampler running, one reading gives each driver's high mark over the whole run.
        return Work(operations: counters.operations, touched: counters.touchedBytes,
                    livePeak: context.live.takeHighMarks(), failures: counters.failures)
    }

    static func engines() throws -> [(String, AnyEngine)] {
        var engines: [(String, AnyEngine)] = [("kmem", .kmem(try EngineCompatibilityTests().kmem("memory=256M"))),
                                              ("floor", .floor(FloorEngine())), ("mmap", .mmap(MmapEngine()))]
        for which in [BaselineAllocator.glibc, .tcmalloc, .mimalloc] where which.isInstalled {
            engines.append((which.rawValue, .baseline(try BaselineEngine(which))))
        }
        return engines
    }

    @Test("every engine that serves a workload reports the same operations, bytes touched and live peak", arguments: specs)
    func sameWork(spec: String) throws {
        let kinds = try WorkloadRegistry.instantiate(NamedSpec(parsing: spec, what: "workload")).requestKinds
        let served = try Self.engines().filter { $0.1.requestKinds.isSuperset(of: kinds) }
        #expect(served.count >= 2, "\(spec) runs on too few engines to compare")
        let results = try served.map { ($0.0, try Self.work(spec, on: $0.1)) }
        let (firstName, first) = results[0]
        #expect(first.operations > 0 && first.failures == 0, "\(spec) on \(firstName): \(first)")
        for (name, work) in results.dropFirst() {
            #expect(work == first, "\(spec): \(name) did \(work), \(firstName) did \(first)")
        }
        print("equal work: \(spec) on \(results.map(\.0).joined(separator: ", ")): \(first)")
    }

    @Test("batch's live peak is exactly count x size per thread, on every engine")
    func batchLivePeak() throws {
        for (name, engine) in try Self.engines() where engine.requestKinds.contains(.objects) {
            let one = try Self.work("batch:count=1000,size=64", on: engine, rounds: 5)
            #expect(one.livePeak == 64_000, "\(name)")
            // Two threads peak in the same run; the reading adds each thread's high mark.
            let two = try Self.work("batch:count=1000,size=64", on: engine, threads: 2, rounds: 5)
            #expect(two.livePeak == 128_000, "\(name)")
        }
    }
}
