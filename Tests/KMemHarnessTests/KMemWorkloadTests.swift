import KMem
@testable import KMemHarness
import Testing

/// The kernel-shaped workloads do on kmem what they exist to show.
@Suite("kmem workloads", .serialized) struct KMemWorkloadTests {
    func run(_ workload: String, on engine: KMemEngine, threads: Int, rounds: Int) throws -> WorkloadContext.Collected {
        let instance = try WorkloadRegistry.instantiate(NamedSpec(parsing: workload, what: "workload"))
        let context = WorkloadContext(options: CellOptions(threads: threads, rounds: rounds, samplePeriod: 0))
        instance.run(.kmem(engine), context)
        return context.collected.withLock { $0 }
    }

    @Test("dcache fills the model's memory and its shrinker gives entries back")
    func dcacheReclaims() throws {
        let engine = try EngineCompatibilityTests().kmem("memory=16M")
        let collected = try run("dcache:unlink=0", on: engine, threads: 1, rounds: 40_000)
        #expect(collected.figures["shrinker_freed", default: 0] > 0, "\(collected.figures)")
        #expect(engine.report().reclaimEvents > 0)
        #expect(collected.counters.failures == 0)
        #expect(collected.counters.frees == collected.counters.allocations)
    }

    @Test("bio-mempool completes every request when every allocation under the pool fails")
    func bioMempoolProgresses() throws {
        let engine = try EngineCompatibilityTests().kmem("memory=32M,failslab=100,fail_ignore_wait=false")
        let collected = try run("bio-mempool:min_nr=2,depth=4", on: engine, threads: 3, rounds: 300)
        let report = engine.report()
        #expect(collected.counters.allocations == 900)
        #expect(collected.counters.failures == 0)
        #expect(collected.figures["completions"] == 900)
        #expect(report.extra["mempool_from_reserve"] == 900, "\(report.extra)")
        #expect(report.extra["failslab_injected", default: 0] >= 900)
        #expect(report.sleepViolations == 0)
    }

    @Test("vmalloc: align_shift fails as expected, every other case passes",
          arguments: VmallocCases.Case.allCases)
    func vmallocCases(testCase: VmallocCases.Case) throws {
        let engine = try EngineCompatibilityTests().kmem()
        let collected = try run("vmalloc:case=\(testCase.rawValue),loops=50,busy=100,junk=100", on: engine,
                                threads: 1, rounds: 2)
        let failures = collected.figures["case_failures"], runs = collected.figures["case_runs"]
        #expect(runs == 2)
        #expect(failures == (testCase == .alignShift ? 2 : 0))
        #expect(collected.figures["usec_per_case", default: 0] > 0)
        #expect(engine.report().sleepViolations == 0)
    }
}

@Suite("kmem parameters") struct KMemParameterTests {
    static let bad: [(spec: String, allowed: String)] = [
        ("percpu=slab", "slub|bonwick|sheaves|none"), ("magazine=-1", "auto or 0...65536"),
        ("depot_cap=many", "auto or 0..."), ("max_magazine=0", "1...65536"), ("slab_order=11", "0...10"),
        ("debug=FX", "- or any of F, Z, P, U"), ("debug=FF", "- or any of F, Z, P, U"),
        ("reap_interval=soon", "a duration"), ("fail_page_alloc=101", "0...100"), ("failslab=-5", "0...100"),
        ("fail_min_order=12", "0...10"), ("fail_ignore_wait=maybe", "true|false"),
    ]

    @Test("a bad value names the key and the allowed values", arguments: bad.indices)
    func badValue(index: Int) throws {
        let (spec, allowed) = Self.bad[index]
        let key = String(spec.prefix { $0 != "=" })
        let error = #expect(throws: SpecError.self) { try EngineRegistry.validate(NamedSpec(parsing: "kmem:" + spec, what: "engine")) }
        #expect(error?.description.contains("parameter '\(key)'") == true, "\(error?.description ?? "")")
        #expect(error?.description.contains(allowed) == true, "\(error?.description ?? "")")
    }

    @Test("good values build a kernel with them")
    func goodValues() throws {
        let engine = try EngineCompatibilityTests().kmem(
            "memory=32M,percpu=bonwick,magazine=15,depot_cap=4,max_magazine=64,slab_order=1,debug=FZ,reap_interval=2s")
        #expect(engine.kernel.slab.configuration.design == .bonwick)
        #expect(engine.kernel.slab.configuration.magazineCapacity == 15)
        #expect(engine.kernel.slab.configuration.depotFullCap == 4)
        #expect(engine.kernel.slab.configuration.debug == (try SlabFlags(debugOptions: "FZ")))
        #expect(engine.kernel.slab.configuration.reapInterval == .seconds(2))
    }
}

@Suite("summary reference") struct SummaryReferenceTests {
    func row(_ engine: String, _ workload: String, _ nsPerOp: String, status: String = "ok") -> ResultRecord {
        var record = ResultRecord { _ in "" }
        for (column, value) in [(CSVColumn.engine, engine), (.workload, workload), (.threads, "1"), (.status, status),
                                (.nsPerOp, nsPerOp)] { record[column] = value }
        return record
    }

    @Test("a reference that skipped a workload falls back to the first engine that ran it")
    func fallback() {
        let records = [row("mmap", "pair", "", status: "skipped"), row("kmem", "pair", "10"), row("glibc", "pair", "20"),
                       row("mmap", "vmalloc", "5"), row("kmem", "vmalloc", "10")]
        let summary = Summary.make(records, reference: NamedSpec(name: "mmap"))
        let glibc = summary.first { $0[.engine] == "glibc" }!
        #expect(glibc[.reference] == "kmem")
        #expect(glibc[.ratioNsPerOp] == "2")
        let kmemVmalloc = summary.first { $0[.engine] == "kmem" && $0[.workload] == "vmalloc" }!
        #expect(kmemVmalloc[.reference] == "mmap")
        #expect(kmemVmalloc[.ratioNsPerOp] == "2")
    }
}

@Suite("kmem engine: the OOM victim") struct OOMVictimEngineTests {
    @Test("with oom_victim, an out-of-memory GFP_KERNEL request kills the stand-in task and succeeds; the kill is counted")
    func killsVictim() throws {
        let engine = try KMemEngine(ParameterValues(NamedSpec(parsing: "kmem:memory=32M,kswapd=false,oom_victim=8M", what: "engine"),
                                                    schema: KMemEngine.parameters, what: "engine kmem"))
        let pages = engine.kernel.pages
        #expect(engine.oomVictim?.pages == (8 << 20) / 4096)
        var held: [PagePointer] = []
        // Everything the buddy allocator has, then one more: the OOM killer frees the victim's 8 MiB.
        while let page = pages.allocPages(.kernel.union(.nowarn), order: 0) {
            held.append(page)
            if engine.oomVictim?.pages == 0 { break }
        }
        #expect(engine.oomVictim?.pages == 0)
        #expect(engine.report().extra["oom_kill"] == 1)
        #expect(pages.log.entries(.oom).last?.message.contains("Killed process (kmembench-oom-victim)") == true)
        for page in held { try pages.freePages(page, order: 0) }
    }
}
