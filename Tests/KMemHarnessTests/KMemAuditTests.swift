import KMem
@testable import KMemHarness
import Testing

/// The conservation audit after kmem cells: every shipped workload gives back every page and
/// object on every per-CPU design, also with fault injection making allocations fail; and an
/// audit that finds something becomes the cell's failure.
@Suite("kmem audit after workloads", .serialized) struct KMemAuditTests {
    func engine(_ parameters: String) throws -> KMemEngine {
        try KMemEngine(ParameterValues(NamedSpec(parsing: "kmem:memory=64M" + parameters, what: "engine"),
                                       schema: KMemEngine.parameters, what: "engine kmem"))
    }

    /// Runs `workload` small (2 threads, `rounds` rounds) and returns the audit's findings.
    func audit(_ workload: String, on engine: KMemEngine, rounds: Int = 20) throws -> (violations: [String], failures: Int) {
        let instance = try WorkloadRegistry.instantiate(NamedSpec(parsing: workload, what: "workload"))
        let context = WorkloadContext(options: CellOptions(threads: 2, rounds: rounds, samplePeriod: 8))
        instance.run(.kmem(engine), context)
        let counters = context.collected.withLock { $0.counters }
        return (AnyEngine.kmem(engine).audit().violations.map(\.description), counters.failures)
    }

    /// The default design's audit runs in EngineCompatibilityTests; these are the others.
    @Test("every workload leaves the kernel conserved", arguments: PerCPUDesign.allCases.filter { $0 != .sheaves })
    func everyWorkload(design: PerCPUDesign) throws {
        for workload in EngineCompatibilityTests.specs {
            let found = try audit(workload, on: try engine(",percpu=\(design.rawValue)"), rounds: 10)
            #expect(found.violations.isEmpty, "\(workload) on percpu=\(design.rawValue): \(found.violations)")
        }
    }

    /// Issue 13's fault injection: allocations fail at 1%, 10% and 100% (the blocking ones too),
    /// the workloads count the failures and go on, and the audit still passes.
    @Test("fault injection: failures are counted, nothing leaks", arguments: [1, 10, 100])
    func faultInjection(percent: Int) throws {
        var failures = 0
        for workload in EngineCompatibilityTests.specs {
            let engine = try engine(",failslab=\(percent),fail_page_alloc=\(percent),fail_min_order=0,fail_ignore_wait=false")
            let found = try audit(workload, on: engine, rounds: 10)
            #expect(found.violations.isEmpty, "\(workload) at \(percent)%: \(found.violations)")
            failures += found.failures
        }
        #expect(failures > 0, "injection at \(percent)% made no allocation fail")
    }

    @Test("violations become the cell's one-line failure, naming where the audit ran")
    func failureText() {
        #expect(CellRunner.Failure(audit: EngineAudit(), after: "the workload") == nil)
        let audit = EngineAudit(violations: [AuditViolation(.frameLost, "page frame 7 in no place"),
                                             AuditViolation(.liveCountMismatch, "cache c: 2 objects live, caller says 0")])
        #expect(CellRunner.Failure(audit: audit, after: "the workload")?.description
                == "conservation audit after the workload: 2 violations: [frameLost] page frame 7 in no place; "
                + "[liveCountMismatch] cache c: 2 objects live, caller says 0")
        #expect(CellRunner.Failure(audit: audit, after: "soak pass 3 of 20")?.description.hasPrefix(
            "conservation audit after soak pass 3 of 20: 2 violations") == true)
    }
}
