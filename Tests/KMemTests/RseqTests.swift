import Foundation
import Testing
@testable import KMem

/// The rseq fast path. Not run under Thread Sanitizer: the exclusion rseq gives (the kernel
/// restarts an interrupted sequence) is invisible to it.
@Suite("Restartable sequences (rseq fast path)", .serialized, .enabled(if: PerCPUFastPath.rseqAvailable))
struct RseqTests {
    func makeRseqKernel(design: PerCPUDesign, capacity: Int? = nil) throws -> Kernel {
        var configuration = Kernel.Configuration()
        configuration.pages.memorySize = 128 << 20
        configuration.pages.cpus = CPU.configuredCount
        configuration.pages.kswapd = false
        configuration.slab.design = design
        configuration.slab.fastPath = .rseq
        configuration.slab.magazineCapacity = capacity
        configuration.slab.reapInterval = nil
        return try Kernel(configuration)
    }

    @Test("caches use the rseq path when asked; objects are distinct and every page comes back",
          arguments: [PerCPUDesign.bonwick, .sheaves])
    func basic(design: PerCPUDesign) throws {
        let kernel = try makeRseqKernel(design: design)
        let cache = try kernel.slab.kmemCacheCreate("rseq", size: 64)
        #expect(cache.fastPath == .rseq)
        var objects: [UnsafeMutableRawPointer] = []
        for round in 0..<3 {
            for _ in 0..<3000 { objects.append(try #require(kernel.slab.kmemCacheAlloc(cache, .kernel))) }
            #expect(Set(objects).count == objects.count, "round \(round)")
            for object in objects { try kernel.slab.kmemCacheFree(cache, object) }
            objects = []
        }
        let info = cache.slabInfo()
        #expect(info.fastPath == .rseq && info.allocMisses > 0)
        // Every call counted once, on the fast path or the miss path; a sequence aborted just
        // before its commit would count one twice.
        #expect((9000...9010).contains(info.allocations) && (9000...9010).contains(info.frees),
                "\(info.allocations) allocations, \(info.frees) frees")
        #expect(kernel.pagesConserved())
        // The foreign-take path (shrink flushes every CPU) fences each CPU.
        kernel.slab.kmemCacheShrink(cache)
        #expect(cache.slabInfo().slabs == 0)
        #expect(kernel.everyPageReturned())
    }

    @Test("fewer or more model CPUs than the machine has: the cache falls back to the exchange path, and works",
          arguments: [-1, 2])
    func otherModelCPUs(difference: Int) throws {
        let cpus = CPU.configuredCount + difference
        guard cpus >= 1 else { return }
        var configuration = Kernel.Configuration()
        configuration.pages.memorySize = 64 << 20
        configuration.pages.cpus = cpus
        configuration.pages.kswapd = false
        configuration.slab.design = .sheaves
        configuration.slab.fastPath = .rseq
        configuration.slab.reapInterval = nil
        let kernel = try Kernel(configuration)
        let cache = try kernel.slab.kmemCacheCreate("rseq-few-cpus", size: 64)
        #expect(cache.fastPath == .exchange && cache.slabInfo().fastPath == .exchange)
        let objects = try (0..<1000).map { _ in try #require(kernel.slab.kmemCacheAlloc(cache, .kernel)) }
        for object in objects { try kernel.slab.kmemCacheFree(cache, object) }
        #expect(cache.slabInfo().cpuWaitNs == 0, "no call waited for a CPU it has no block for")
        kernel.slab.kmemCacheShrink(cache)
        try kernel.slab.kmemCacheDestroy(cache)
    }

    @Test("threads and hardirq threads with cross-CPU frees on the rseq path: nothing handed out twice or lost",
          arguments: [PerCPUDesign.bonwick, .sheaves])
    func concurrent(design: PerCPUDesign) throws {
        let kernel = try makeRseqKernel(design: design, capacity: 8)
        let cache = try kernel.slab.kmemCacheCreate("rseq-shared", size: 48)
        let owners = ObjectOwners(kernel: kernel)
        let failures = SharedInt(0)
        let handoff = LockedValue<[UInt]>([])
        onThreads(4) { thread in
            var random = SeededGenerator(seed: UInt64(thread) + 11)
            var held: [UnsafeMutableRawPointer] = []
            for step in 0..<40_000 {
                let work = {
                    if held.count < 64 && (held.isEmpty || Bool.random(using: &random)) {
                        let gfp: GFP = thread >= 2 ? .atomic : .kernel
                        guard let object = kernel.slab.kmemCacheAlloc(cache, gfp) else { return }
                        if !owners.claim(object, UInt8(thread + 1)) { failures.value.add(1, ordering: .relaxed) }
                        held.append(object)
                    } else if let object = held.popLast() {
                        if step % 4 == 0 {
                            handoff.withLock { $0.append(UInt(bitPattern: object)) }
                        } else {
                            if owners.release(object) != UInt8(thread + 1) { failures.value.add(1, ordering: .relaxed) }
                            do { try kernel.slab.kmemCacheFree(cache, object) } catch { failures.value.add(1, ordering: .relaxed) }
                        }
                    }
                }
                if thread >= 2 { Current.inHardirq(work) } else { work() }
                if step % 100 == 0 {
                    for address in handoff.withLock({ list in defer { list = [] }; return list }) {
                        let object = UnsafeMutableRawPointer(bitPattern: address)!
                        _ = owners.release(object)
                        do { try kernel.slab.kmemCacheFree(cache, object) } catch { failures.value.add(1, ordering: .relaxed) }
                    }
                    if step % 5000 == 0 && thread == 0 { _ = cache.slabInfo() } // foreign takes under load
                }
            }
            for object in held {
                _ = owners.release(object)
                try! kernel.slab.kmemCacheFree(cache, object)
            }
        }
        for address in handoff.withLock({ $0 }) { try kernel.slab.kmemCacheFree(cache, UnsafeMutableRawPointer(bitPattern: address)!) }
        #expect(failures.value.load(ordering: .relaxed) == 0)
        #expect(kernel.log.count(.slabBug) == 0)
        #expect(kernel.everyPageReturned())
    }
}
