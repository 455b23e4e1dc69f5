import KMem
@testable import KMemHarness
import KMemBaselines
import Testing

/// Every workload on every engine that serves its kinds, in this process (jemalloc needs
/// the static TLS tunable at process start, so it runs in children in `ChildProcessTests`).
@Suite("engines x workloads", .serialized) struct EngineCompatibilityTests {
    /// Every shipped workload, the kind variants, and every vmalloc case (small).
    static let specs = WorkloadRegistry.all.map(\.info.name).filter { $0 != "vmalloc" }
        + ["pair:kind=pages", "pair:kind=caches", "pair:kind=pools", "batch:kind=pages", "cross-free:kind=pages",
           "netrx:kind=pages"]
        + VmallocCases.Case.allCases.map { "vmalloc:case=\($0.rawValue),loops=20,busy=50,junk=50" }

    @Test("runs and frees everything", arguments: specs)
    func runsEverywhere(workload: String) throws {
        let instance = try WorkloadRegistry.instantiate(NamedSpec(parsing: workload, what: "workload"))
        var engines: [AnyEngine] = [.floor(FloorEngine()), .kmem(try kmem()), .mmap(MmapEngine())]
        for which in [BaselineAllocator.glibc, .tcmalloc, .mimalloc] where which.isInstalled {
            engines.append(.baseline(try BaselineEngine(which)))
        }
        let served = engines.filter { $0.requestKinds.isSuperset(of: instance.requestKinds) }
        #expect(served.count >= 2, "\(workload) runs on too few engines")
        for engine in served {
            let context = WorkloadContext(options: CellOptions(threads: 2, rounds: 40, samplePeriod: 8))
            instance.run(engine, context)
            let counters = context.collected.withLock { $0.counters + $0.uncounted }
            #expect(counters.allocations > 0, "\(workload) on \(engine)")
            #expect(counters.frees == counters.allocations, "\(workload) on \(engine)")
            #expect(engine.audit().violations.isEmpty, "\(workload) on \(engine): \(engine.audit().violations)")
        }
    }

    func kmem(_ parameters: String = "memory=64M") throws -> KMemEngine {
        try KMemEngine(ParameterValues(NamedSpec(parsing: "kmem:" + parameters, what: "engine"),
                                       schema: KMemEngine.parameters, what: "engine kmem"))
    }
}

@Suite("sleep check", .serialized) struct SleepCheckTests {
    func violations(_ workload: String) throws -> Int {
        let instance = try WorkloadRegistry.instantiate(NamedSpec(parsing: workload, what: "workload"))
        return try violations { engine, context in instance.run(.kmem(engine), context) }
    }

    func violations(_ run: (KMemEngine, WorkloadContext) -> Void) throws -> Int {
        let engine = try EngineCompatibilityTests().kmem()
        run(engine, WorkloadContext(options: CellOptions(threads: 2, rounds: 40)))
        return engine.report().sleepViolations
    }

    @Test("no shipped workload sleeps in atomic context on kmem", arguments: EngineCompatibilityTests.specs)
    func shippedAreClean(workload: String) throws {
        #expect(try violations(workload) == 0)
    }

    @Test("GFP_KERNEL from hardirq is caught")
    func wrongContextIsCaught() throws {
        #expect(try violations { engine, context in AnyEngine.kmem(engine).run(WrongContext(), context) } > 0)
    }

    @Test("kmem serves every shipped workload")
    func kmemServesAll() throws {
        for entry in WorkloadRegistry.all {
            let instance = try WorkloadRegistry.instantiate(NamedSpec(name: entry.info.name))
            #expect(KMemEngine.requestKinds.isSuperset(of: instance.requestKinds), "\(entry.info.name)")
        }
    }
}
