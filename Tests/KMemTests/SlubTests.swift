@testable import KMem
import Testing

@Suite("SLUB per-CPU slabs") struct SlubTests {
    func counter(_ cache: KmemCache, _ name: String) -> Int {
        cache.slabInfo().designStatistics.first { $0.name == name }?.value ?? -1
    }

    /// The figures /sys/kernel/slab shows on a 6.18 machine: kmalloc-64 120, maple_node (256 B)
    /// 52, kmalloc-1k 24, kmalloc-4k 6.
    @Test("cpu_partial by slot size, as set_cpu_partial sets it, and cpu_partial_slabs from it")
    func cpuPartial() throws {
        let kernel = try makeKernel(design: .slub)
        for (size, expected) in [(64, 120), (192, 120), (256, 52), (1024, 24), (4096, 6)] {
            let cache = try kernel.slab.kmemCacheCreate("cp-\(size)", size: size)
            #expect(cache.design == .slub)
            #expect(cache.cpuPartial == expected, "size \(size)")
            let perSlab = cache.layout.objectsPerSlab
            #expect(cache.cpuPartialSlabs == (expected * 2 + perSlab - 1) / perSlab)
        }
        #expect(kernel.everyPageReturned())
    }

    @Test("the CPU slab serves and takes back its own objects on the fast path")
    func fastPath() throws {
        let kernel = try makeKernel(design: .slub)
        let cache = try kernel.slab.kmemCacheCreate("fast", size: 64)
        try CPU.withCPU(0) {
            let first = try #require(kernel.slab.kmemCacheAlloc(cache, .kernel))
            try kernel.slab.kmemCacheFree(cache, first)
            for _ in 0..<1000 {
                let object = try #require(kernel.slab.kmemCacheAlloc(cache, .kernel))
                #expect(object == first) // LIFO on the CPU freelist
                try kernel.slab.kmemCacheFree(cache, object)
            }
        }
        #expect(counter(cache, "alloc_slowpath") == 1) // the first allocation made the CPU slab
        #expect(counter(cache, "alloc_slab") == 1)
        #expect(counter(cache, "alloc_fastpath") == 1000)
        #expect(counter(cache, "free_fastpath") == 1001)
        #expect(counter(cache, "free_slowpath") == 0)
        #expect(kernel.everyPageReturned())
    }

    @Test("frees from another CPU go onto the frozen slab's own freelist, and its CPU takes them back")
    func remoteFrees() throws {
        let kernel = try makeKernel(design: .slub)
        let cache = try kernel.slab.kmemCacheCreate("remote", size: 64)
        let perSlab = cache.layout.objectsPerSlab
        // CPU 0 takes every object of its first slab but one.
        let objects = try CPU.withCPU(0) { try (0..<perSlab - 1).map { _ in try #require(kernel.slab.kmemCacheAlloc(cache, .kernel)) } }
        try CPU.withCPU(1) { for object in objects { try kernel.slab.kmemCacheFree(cache, object) } }
        #expect(counter(cache, "free_frozen") == perSlab - 1)
        // The last object of the CPU freelist, then the refill from the slab's freelist.
        let again = try CPU.withCPU(0) { try (0..<perSlab).map { _ in try #require(kernel.slab.kmemCacheAlloc(cache, .kernel)) } }
        #expect(counter(cache, "alloc_refill") == 1)
        #expect(counter(cache, "alloc_slab") == 1)
        #expect(Set(again).count == perSlab)
        try CPU.withCPU(0) { for object in again { try kernel.slab.kmemCacheFree(cache, object) } }
        #expect(kernel.everyPageReturned())
    }

    @Test("a full slab that gets a free joins the freeing CPU's partial slabs; shrink flushes every CPU")
    func cpuPartialSlabs() throws {
        let kernel = try makeKernel(design: .slub)
        let cache = try kernel.slab.kmemCacheCreate("partial", size: 64)
        let perSlab = cache.layout.objectsPerSlab
        // Three slabs' worth on CPU 0: the first two leave the CPU full.
        let objects = try CPU.withCPU(0) { try (0..<3 * perSlab).map { _ in try #require(kernel.slab.kmemCacheAlloc(cache, .kernel)) } }
        #expect(counter(cache, "deactivate_bypass") == 2)
        try CPU.withCPU(1) { try kernel.slab.kmemCacheFree(cache, objects[0]) }
        #expect(counter(cache, "cpu_partial_free") == 1)
        // CPU 1 reuses that slab's free object through its partial list.
        let reused = try CPU.withCPU(1) { try #require(kernel.slab.kmemCacheAlloc(cache, .kernel)) }
        #expect(reused == objects[0])
        #expect(counter(cache, "cpu_partial_alloc") == 1)
        try CPU.withCPU(1) {
            try kernel.slab.kmemCacheFree(cache, reused)
            for object in objects.dropFirst() { try kernel.slab.kmemCacheFree(cache, object) }
        }
        let info = cache.slabInfo()
        #expect(info.activeObjects == info.cpuCachedObjects)
        kernel.slab.kmemCacheShrink(cache)
        #expect(cache.slabInfo().slabs == 0)
        #expect(counter(cache, "cpuslab_flush") == 2) // both CPUs, by the shrink
        #expect(kernel.everyPageReturned())
    }

    @Test("a double free on the CPU freelist or to a frozen slab is caught and changes nothing")
    func doubleFree() throws {
        let kernel = try makeKernel(design: .slub)
        let cache = try kernel.slab.kmemCacheCreate("double", size: 64)
        let object = try #require(CPU.withCPU(0) { kernel.slab.kmemCacheAlloc(cache, .kernel) })
        let other = try #require(CPU.withCPU(0) { kernel.slab.kmemCacheAlloc(cache, .kernel) })
        try CPU.withCPU(0) { try kernel.slab.kmemCacheFree(cache, object) }
        #expect(throws: KMemError.self) { try CPU.withCPU(0) { try kernel.slab.kmemCacheFree(cache, object) } }
        try CPU.withCPU(1) { try kernel.slab.kmemCacheFree(cache, other) }
        #expect(throws: KMemError.self) { try CPU.withCPU(1) { try kernel.slab.kmemCacheFree(cache, other) } }
        #expect(kernel.everyPageReturned())
    }
}

@Suite("kernel profiles") struct KernelProfileTests {
    func kernel(_ profile: KernelProfile) throws -> Kernel {
        var configuration = Kernel.Configuration()
        configuration.pages.memorySize = 64 << 20
        configuration.pages.cpus = 2
        configuration.pages.kswapd = false
        configuration.slab.profile = profile
        configuration.slab.reapInterval = nil
        return try Kernel(configuration)
    }

    @Test("6.18: SLUB everywhere, kmalloc included; sheaves of exactly the asked size where a cache asks (maple_node: 32)")
    func v618() throws {
        let kernel = try kernel(.v6_18)
        #expect(kernel.slab.slabInfo().filter { $0.name.hasPrefix("kmalloc-") }.allSatisfy { $0.design == .slub })
        let plain = try kernel.slab.kmemCacheCreate("plain", size: 192)
        let maple = try kernel.slab.kmemCacheCreate("maple_node", size: 256, align: 256, sheafCapacity: 32)
        #expect(plain.design == .slub && plain.cpuPartial == 120)
        #expect(maple.design == .sheaves && maple.magazineCapacity == 32)
        #expect(maple.profile == .v6_18)
        #expect(kernel.everyPageReturned())
    }

    @Test("7.0: sheaves on every cache, calculate_sheaf_capacity's sizes (4, 12, 28, 60), a larger request kept")
    func v70() throws {
        let kernel = try kernel(.v7_0)
        #expect(kernel.slab.slabInfo().filter { $0.name.hasPrefix("kmalloc-") }.allSatisfy { $0.design == .sheaves })
        for (size, capacity) in [(64, 60), (255, 28), (256, 28), (1024, 12), (4096, 4)] {
            #expect(try kernel.slab.kmemCacheCreate("c\(size)", size: size).magazineCapacity == capacity, "size \(size)")
        }
        #expect(try kernel.slab.kmemCacheCreate("asks", size: 64, sheafCapacity: 100).magazineCapacity == 100)
        #expect(try kernel.slab.kmemCacheCreate("small-ask", size: 64, sheafCapacity: 32).magazineCapacity == 60)
        #expect(kernel.everyPageReturned())
    }

    @Test("bad input: a sheaf capacity for another design, or out of range")
    func badInput() throws {
        let kernel = try kernel(.v6_18)
        #expect(throws: KMemError.self) { try kernel.slab.kmemCacheCreate("x", size: 64, sheafCapacity: 32, design: .slub) }
        #expect(throws: KMemError.self) { try kernel.slab.kmemCacheCreate("y", size: 64, sheafCapacity: 0) }
        #expect(throws: KMemError.self) { try kernel.slab.kmemCacheCreate("z", size: 64, sheafCapacity: 1 << 20) }
        #expect(kernel.everyPageReturned())
    }
}
