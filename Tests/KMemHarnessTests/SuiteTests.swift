import KMem
import KMemBaselines
@testable import KMemHarness
import Testing

@Suite("suites") struct SuiteTests {
    @Test("the slab suite follows the registries: every design, the exchange fast path where rseq is the default, every baseline")
    func slabSuiteFollowsRegistries() {
        let engines = Suite.slab.engines
        for design in PerCPUDesign.allCases {
            #expect(engines.contains("kmem:percpu=\(design.rawValue)"))
            #expect(engines.contains("kmem:percpu=\(design.rawValue),fastpath=exchange") == design.hasMagazines)
        }
        for baseline in BaselineAllocator.allCases { #expect(engines.contains(baseline.rawValue)) }
    }

    @Test("every suite's specs validate", arguments: Suite.allCases)
    func specsValidate(suite: Suite) throws {
        for engine in suite.engines { _ = try EngineRegistry.validate(NamedSpec(parsing: engine, what: "engine")) }
        for workload in suite.workloads { _ = try WorkloadRegistry.instantiate(NamedSpec(parsing: workload, what: "workload")) }
    }
}
