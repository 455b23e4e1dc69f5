import KMem
@testable import KMemHarness
import KMemBaselines
import Testing

/// Every workload on every engine that serves its kinds, in this process (jemalloc needs
/// the static TLS tunable at process start, so it runs in children in `ChildProcessTests`).
@Suite("engines x workloads", .serialized) struct EngineCompatibilityTests {
    static let specs = WorkloadRegistry.shipped.map(\.info.name) + ["pair:kind=pages", "batch:kind=pages",
                                                                     "cross-free:kind=pages", "netrx:kind=pages"]

    @Test("runs and frees everything", arguments: specs)
    func runsEverywhere(workload: String) throws {
        let instance = try WorkloadRegistry.instantiate(NamedSpec(parsing: workload, what: "workload"))
        var engines: [AnyEngine] = [.floor(FloorEngine()), .kmem(try kmem())]
        for which in [BaselineAllocator.glibc, .tcmalloc, .mimalloc] where which.isInstalled {
            engines.append(.baseline(try BaselineEngine(which)))
        }
        for engine in engines where engine.requestKinds.isSuperset(of: instance.requestKinds) {
            let context = WorkloadContext(options: CellOptions(threads: 2, rounds: 40, samplePeriod: 8))
            instance.run(engine, context)
            let counters = context.collected.withLock { $0.counters }
            #expect(counters.allocations > 0, "\(workload) on \(engine)")
            #expect(counters.frees == counters.allocations, "\(workload) on \(engine)")
        }
    }

    func kmem() throws -> KMemEngine {
        try KMemEngine(ParameterValues(NamedSpec(name: "kmem", parameters: [.init(key: "memory", value: "64M")]),
                                       schema: KMemEngine.parameters, what: "engine kmem"))
    }
}

@Suite("sleep check", .serialized) struct SleepCheckTests {
    static let pageWorkloads = ["pair:kind=pages", "batch:kind=pages", "cross-free:kind=pages", "page-churn", "netrx:kind=pages"]

    func violations(_ workload: String) throws -> Int {
        let engine = try EngineCompatibilityTests().kmem()
        let instance = try WorkloadRegistry.instantiate(NamedSpec(parsing: workload, what: "workload"))
        instance.run(.kmem(engine), WorkloadContext(options: CellOptions(threads: 2, rounds: 40)))
        return engine.report().sleepViolations
    }

    @Test("no shipped workload sleeps in atomic context on kmem", arguments: pageWorkloads)
    func shippedAreClean(workload: String) throws {
        #expect(try violations(workload) == 0)
    }

    @Test("GFP_KERNEL from hardirq is caught")
    func wrongContextIsCaught() throws {
        #expect(try violations("wrong-context") > 0)
    }

    @Test("every shipped workload that kmem can run is in the list above")
    func listIsComplete() throws {
        for entry in WorkloadRegistry.shipped {
            let instance = try WorkloadRegistry.instantiate(NamedSpec(name: entry.info.name))
            if KMemEngine.requestKinds.isSuperset(of: instance.requestKinds) {
                #expect(Self.pageWorkloads.contains(entry.info.name))
            }
        }
    }
}
