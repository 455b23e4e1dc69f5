import KMem
import PropertyBased
import Testing

/// Random sequences of the public API (kmalloc/kfree of random sizes, kmem_cache_alloc/free,
/// alloc_pages/free_pages, vmalloc/vfree, mempool_alloc/free, alloc_percpu/free_percpu) from
/// process, softirq and hardirq context (GFP_ATOMIC in interrupts), against a reference model
/// of what is live: no two live allocations overlap, what was written at allocation survives
/// until the free, every misuse throws and changes nothing, and the conservation audit passes
/// with the reference's live counts, then again once everything is freed. A failure prints the
/// seed (`.fixedSeed(...)` replays it) and the shrunk sequence.
@Suite struct KernelPropertyTests {
    static let designs = Gen.element(of: PerCPUDesign.allCases).compactMap { $0 }

    @Test func oneThreadAgainstTheReferenceModel() async throws {
        await propertyCheck(count: 12, input: Self.designs, KernelOp.sequence(length: 40)) { design, ops in
            let fixture = try PropertyFixture(design: design)
            let model = ReferenceModel(fixture, thread: 0, sharesKernel: false)
            CPU.withCPU(0) { for op in ops { model.apply(op) } }
            check([model], fixture, design)
        }
    }

    /// Two threads, each on its own model CPU with its own half of the steps. The seed replays
    /// the steps; the interleaving is the scheduler's.
    @Test func twoThreadsAgainstTheReferenceModel() async throws {
        await propertyCheck(count: 6, input: Self.designs, KernelOp.sequence(length: 40)) { design, ops in
            let fixture = try PropertyFixture(design: design)
            let models = (0..<2).map { ReferenceModel(fixture, thread: $0, sharesKernel: true) }
            let halves = (0..<2).map { thread in ops.enumerated().filter { $0.offset % 2 == thread }.map(\.element) }
            let unsafeModels = UncheckedBox(models)
            onThreads(2) { thread in
                CPU.withCPU(thread) { for op in halves[thread] { unsafeModels.value[thread].apply(op) } }
            }
            check(models, fixture, design)
        }
    }

    /// The audit with the models' live counts, then with nothing live once they free all.
    func check(_ models: [ReferenceModel], _ fixture: PropertyFixture, _ design: PerCPUDesign) {
        let kernel = fixture.kernel
        kernel.vmalloc.flushDeferredFrees()
        var claims = AuditClaims.nothingLive
        claims.holders = [fixture.slabPool, fixture.pagePool]
        var objects: [ObjectIdentifier: (KmemCache, Int)] = [:]
        for model in models { model.addClaims(to: &claims, objects: &objects) }
        for (cache, count) in objects.values { claims.setLive(count, in: cache) }
        let audit = kernel.audit(claims)
        #expect(audit.isClean, "percpu=\(design.rawValue), live: \(audit)")
        for model in models { model.freeAll() }
        kernel.vmalloc.flushDeferredFrees()
        var empty = AuditClaims.nothingLive
        empty.holders = claims.holders
        let after = kernel.audit(empty)
        #expect(after.isClean, "percpu=\(design.rawValue), all freed: \(after)")
        for model in models { #expect(model.problems.isEmpty, "percpu=\(design.rawValue): \(model.problems)") }
    }
}

/// Hands the per-thread models to the threads: each touches only its own.
struct UncheckedBox<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
