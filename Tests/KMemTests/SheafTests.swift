@testable import KMem
import Testing

@Suite("prefilled sheaves") struct SheafTests {
    @Test("a prefilled sheaf serves every allocation of a critical section, even with failslab at 100%")
    func guaranteed() throws {
        let kernel = try makeKernel(design: .sheaves)
        let cache = try kernel.slab.kmemCacheCreate("maple", size: 256, sheafCapacity: 32)
        let sheaf = try #require(try kernel.slab.kmemCachePrefillSheaf(cache, .kernel, size: 10))
        #expect(sheaf.size == cache.magazineCapacity && !sheaf.isOversize)
        try kernel.pages.failslab.configure { $0.probability = 100; $0.times = -1; $0.verbose = false; $0.filter.ignoreGfpWait = false }
        #expect(kernel.slab.kmemCacheAlloc(cache, .atomic) == nil) // the ordinary path fails
        var objects: [UnsafeMutableRawPointer] = []
        try Current.inHardirq {
            for _ in 0..<10 { objects.append(try #require(kernel.slab.kmemCacheAllocFromSheaf(cache, .atomic, sheaf))) }
        }
        #expect(Set(objects).count == 10)
        try kernel.pages.failslab.configure { $0.probability = 0 }
        kernel.slab.kmemCacheReturnSheaf(cache, .kernel, sheaf)
        #expect(cache.slabInfo().depotFull == 1) // back in the barn, topped up
        for object in objects { try kernel.slab.kmemCacheFree(cache, object) }
        #expect(kernel.everyPageReturned())
    }

    @Test("past the capacity an oversize sheaf of exactly the size, freed on return; refill tops up or swaps")
    func oversizeAndRefill() throws {
        let kernel = try makeKernel(design: .sheaves)
        let cache = try kernel.slab.kmemCacheCreate("big", size: 64)
        var sheaf = try #require(try kernel.slab.kmemCachePrefillSheaf(cache, .kernel, size: 100))
        #expect(sheaf.isOversize && sheaf.size == 100)
        var taken: [UnsafeMutableRawPointer] = []
        while let object = kernel.slab.kmemCacheAllocFromSheaf(cache, .kernel, sheaf) { taken.append(object) }
        #expect(taken.count == 100)
        #expect(try kernel.slab.kmemCacheRefillSheaf(cache, .kernel, &sheaf, size: 50))
        #expect(sheaf.size >= 50)
        #expect(try kernel.slab.kmemCacheRefillSheaf(cache, .kernel, &sheaf, size: 300))
        #expect(sheaf.size >= 300 && sheaf.isOversize)
        kernel.slab.kmemCacheReturnSheaf(cache, .kernel, sheaf)
        #expect(cache.slabInfo().depotFull == 0)
        for object in taken { try kernel.slab.kmemCacheFree(cache, object) }
        #expect(kernel.everyPageReturned())
    }

    @Test("bad input: a cache without sheaves, a size of 0 or past 65536")
    func badInput() throws {
        let kernel = try makeKernel(design: .slub)
        let slub = try kernel.slab.kmemCacheCreate("slub", size: 64)
        #expect(throws: KMemError.self) { try kernel.slab.kmemCachePrefillSheaf(slub, .kernel, size: 4) }
        let sheaves = try kernel.slab.kmemCacheCreate("sheaves", size: 64, design: .sheaves)
        #expect(throws: KMemError.self) { try kernel.slab.kmemCachePrefillSheaf(sheaves, .kernel, size: 0) }
        #expect(throws: KMemError.self) { try kernel.slab.kmemCachePrefillSheaf(sheaves, .kernel, size: 1 << 17) }
        #expect(kernel.everyPageReturned())
    }

    @Test("an atomic caller whose sheaves are empty takes one object from the slabs, not a bulk refill")
    func atomicRefillsOne() throws {
        let kernel = try makeKernel(design: .sheaves)
        let cache = try kernel.slab.kmemCacheCreate("atomic", size: 64)
        let object = try #require(CPU.withCPU(0) { kernel.slab.kmemCacheAlloc(cache, .atomic) })
        #expect(cache.slabInfo().cpuCachedObjects == 0)
        let blocking = try #require(CPU.withCPU(0) { kernel.slab.kmemCacheAlloc(cache, .kernel) })
        #expect(cache.slabInfo().cpuCachedObjects == cache.magazineCapacity - 1)
        try CPU.withCPU(0) {
            try kernel.slab.kmemCacheFree(cache, object)
            try kernel.slab.kmemCacheFree(cache, blocking)
        }
        #expect(kernel.everyPageReturned())
    }
}
