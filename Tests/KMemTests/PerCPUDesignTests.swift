import Testing
@testable import KMem

@Suite("Per-CPU designs, capacities and depot caps")
struct PerCPUDesignTests {
    /// N allocations then N frees on one CPU, twice; returns the cache's figures.
    func churn(_ kernel: Kernel, _ cache: KmemCache, count: Int) throws -> SlabInfo {
        try CPU.withCPU(0) {
            for _ in 0..<2 {
                var objects: [UnsafeMutableRawPointer] = []
                for _ in 0..<count { objects.append(try #require(kernel.slab.kmemCacheAlloc(cache, .kernel))) }
                #expect(Set(objects).count == count)
                for object in objects { try kernel.slab.kmemCacheFree(cache, object) }
            }
        }
        return cache.slabInfo()
    }

    @Test("capacities from 0 up: hits, misses and depot traffic as each design predicts",
          arguments: [PerCPUDesign.bonwick, .sheaves], [0, 1, 2, 15, 60, 200])
    func capacities(design: PerCPUDesign, capacity: Int) throws {
        let kernel = try makeKernel(design: design, capacity: capacity)
        let cache = try kernel.slab.kmemCacheCreate("cap", size: 64)
        #expect(cache.design == (capacity == 0 ? .none : design))
        let info = try churn(kernel, cache, count: 100)
        if capacity == 0 {
            #expect(info.allocations == 0 && info.magazineCapacity == 0)
        } else {
            #expect(info.allocations == 200 && info.frees == 200)
            // Per round of 100: about 100/capacity misses, plus a swap or two. Bonwick's first
            // round misses every time: its empty depot falls through to the slab one object at
            // a time, where sheaves refill the whole main sheaf.
            let firstRound = design == .bonwick ? 100 : 0
            #expect(info.allocMisses <= firstRound + 2 * (100 / capacity + 2), "alloc misses \(info.allocMisses)")
            if design == .bonwick { #expect(info.allocMisses >= 100) }
            if capacity >= 100 { #expect(info.depotExchanges == 0) }
        }
        kernel.slab.kmemCacheShrink(cache)
        #expect(cache.slabInfo().slabs == 0)
        #expect(kernel.everyPageReturned())
    }

    @Test("the none design takes the list lock on every operation and caches nothing")
    func noneDesign() throws {
        let kernel = try makeKernel(design: .none)
        let cache = try kernel.slab.kmemCacheCreate("plain", size: 64)
        let info = try churn(kernel, cache, count: 100)
        #expect(info.design == .none && info.cpuCachedObjects == 0 && info.depotFull == 0)
        #expect(info.activeObjects == 0)
        #expect(kernel.everyPageReturned())
    }

    @Test("depot caps bound the full and empty magazines the depot keeps", arguments: [0, 1, 10])
    func depotCaps(cap: Int) throws {
        let kernel = try makeKernel(design: .bonwick, capacity: 4, depotFullCap: cap, depotEmptyCap: cap)
        let cache = try kernel.slab.kmemCacheCreate("capped", size: 64)
        var objects: [UnsafeMutableRawPointer] = []
        for _ in 0..<400 { objects.append(try #require(CPU.withCPU(0) { kernel.slab.kmemCacheAlloc(cache, .kernel) })) }
        for object in objects { try CPU.withCPU(0) { try kernel.slab.kmemCacheFree(cache, object) } }
        let info = cache.slabInfo()
        #expect(info.depotFull <= cap && info.depotEmpty <= cap)
        if cap == 10 { #expect(info.depotFull == 10) }
        #expect(kernel.everyPageReturned())
    }

    @Test("sheaves refill the main sheaf from slabs in bulk; Bonwick falls through one object at a time")
    func refillPolicies() throws {
        for design in [PerCPUDesign.sheaves, .bonwick] {
            let kernel = try makeKernel(design: design, capacity: 32)
            let cache = try kernel.slab.kmemCacheCreate("refill", size: 64)
            let object = try #require(CPU.withCPU(0) { kernel.slab.kmemCacheAlloc(cache, .kernel) })
            let cached = cache.slabInfo().cpuCachedObjects
            #expect(cached == (design == .sheaves ? 31 : 0), "\(design)")
            try kernel.slab.kmemCacheFree(cache, object)
            #expect(kernel.everyPageReturned())
        }
    }

    @Test("Bonwick's working set: memory pressure frees the depot magazines unused in both of the last two intervals")
    func workingSet() throws {
        let kernel = try makeKernel(design: .bonwick, capacity: 4)
        let cache = try kernel.slab.kmemCacheCreate("ws", size: 64)
        let pressure = ShrinkControl(gfp: .kernel, nrToScan: 128)
        func cycle(_ count: Int) throws {
            var objects: [UnsafeMutableRawPointer] = []
            for _ in 0..<count { objects.append(try #require(CPU.withCPU(0) { kernel.slab.kmemCacheAlloc(cache, .kernel) })) }
            for object in objects { try CPU.withCPU(0) { try kernel.slab.kmemCacheFree(cache, object) } }
        }
        try cycle(200)
        let full = cache.slabInfo().depotFull
        #expect(full > 10)
        kernel.slab.reap() // the interval that filled the depot ends: its low water was 0
        _ = cache.scanObjects(pressure)
        #expect(cache.slabInfo().depotFull == full, "the last interval needed them all")
        kernel.slab.reap() // an idle interval: its low water is every full magazine
        try cycle(40) // this interval takes 8 of them (the CPU's two magazines serve 8 objects) and gives them back
        #expect(cache.countObjects(pressure) >= (full - 8) * 4)
        _ = cache.scanObjects(pressure)
        #expect(cache.slabInfo().depotFull == 8, "min(last interval's low water, this one's) were reaped")
        kernel.slab.reap() // the timer alone frees nothing
        #expect(cache.slabInfo().depotFull == 8)
        #expect(kernel.everyPageReturned())
    }

    @Test("Bonwick's magazines stop growing at the size the cache's buffers allow (kmem_magtype's mt_maxbuf)")
    func growthLimit() throws {
        let kernel = try makeKernel(design: .bonwick)
        let cache = try kernel.slab.kmemCacheCreate("big", size: 4096)
        #expect(cache.slabInfo().magazineCapacity == 1)
        for _ in 0..<8 {
            cache.depot.pointee.full.contention.wrappingAdd(4, ordering: .relaxed)
            kernel.slab.reap()
        }
        #expect(cache.slabInfo().magazineCapacity == 31) // 4096-byte buffers do not fit 47's limit (< 4096)
        #expect(kernel.everyPageReturned())
    }

    @Test("Bonwick grows the magazine size when the depot is contended, up to the maximum")
    func growth() throws {
        let kernel = try makeKernel(design: .bonwick)
        let cache = try kernel.slab.kmemCacheCreate("grow", size: 64)
        #expect(cache.slabInfo().magazineCapacity == 15)
        cache.depot.pointee.full.contention.wrappingAdd(4, ordering: .relaxed)
        kernel.slab.reap()
        #expect(cache.slabInfo().magazineCapacity == 31)
        kernel.slab.reap()
        #expect(cache.slabInfo().magazineCapacity == 31)
        var objects: [UnsafeMutableRawPointer] = []
        for _ in 0..<500 { objects.append(try #require(kernel.slab.kmemCacheAlloc(cache, .kernel))) }
        for object in objects { try kernel.slab.kmemCacheFree(cache, object) }
        #expect(Set(objects).count == 500)
        #expect(cache.slabInfo().magazineGrowths == 1)
        #expect(kernel.everyPageReturned())
    }

    @Test("under memory pressure, reclaim shrinks caches: depot magazines and empty slabs go back")
    func shrinkerUnderPressure() throws {
        let kernel = try makeKernel(design: .bonwick, capacity: 15, memory: 64 << 20)
        let cache = try kernel.slab.kmemCacheCreate("pressure", size: 512)
        var objects: [UnsafeMutableRawPointer] = []
        for _ in 0..<20_000 { objects.append(try #require(kernel.slab.kmemCacheAlloc(cache, .kernel))) }
        for object in objects { try kernel.slab.kmemCacheFree(cache, object) }
        let cachedPages = cache.slabInfo().slabs * cache.slabInfo().pagesPerSlab
        #expect(cachedPages > 1000)
        // Two working-set intervals pass with the depot idle: all of it becomes reapable.
        kernel.slab.reap()
        kernel.slab.reap()
        // Take every free page: the allocator has to reclaim the cache's memory to go on.
        let held = HeldPages()
        for _ in 0..<(kernel.pages.memory.pageCount) {
            guard let page = kernel.pages.allocPages(.kernel.union(.nowarn), order: 0) else { break }
            held.add(kernel.pages.pfn(of: page), order: 0)
        }
        let stats = kernel.pages.statistics()
        #expect(stats.event(.allocStalls) > 0)
        #expect(cache.slabInfo().slabs * cache.slabInfo().pagesPerSlab < cachedPages / 10)
        try kernel.pages.freeAll(held)
        #expect(kernel.everyPageReturned())
    }

    @Test("depot caps and magazine capacity are tunable per cache, at creation and on a live cache")
    func perCacheTuning() throws {
        let kernel = try makeKernel(design: .bonwick, capacity: 4)
        let cache = try kernel.slab.kmemCacheCreate("tuned", size: 64, magazineCapacity: 8, depotCap: 2)
        #expect(cache.slabInfo().magazineCapacity == 8)
        var objects: [UnsafeMutableRawPointer] = []
        for _ in 0..<200 { objects.append(try #require(CPU.withCPU(0) { kernel.slab.kmemCacheAlloc(cache, .kernel) })) }
        for object in objects { try CPU.withCPU(0) { try kernel.slab.kmemCacheFree(cache, object) } }
        #expect(cache.slabInfo().depotFull == 2)
        try cache.setDepotCaps(full: 0, empty: 0)
        try cache.setMagazineCapacity(31)
        #expect(cache.slabInfo().magazineCapacity == 31 && cache.slabInfo().depotFull == 0)
        objects = []
        for _ in 0..<200 { objects.append(try #require(CPU.withCPU(0) { kernel.slab.kmemCacheAlloc(cache, .kernel) })) }
        for object in objects { try CPU.withCPU(0) { try kernel.slab.kmemCacheFree(cache, object) } }
        #expect(cache.slabInfo().depotFull == 0)
        #expect(throws: KMemError.self) { try cache.setDepotCaps(full: -1, empty: 0) }
        #expect(throws: KMemError.self) { try cache.setMagazineCapacity(0) }
        let plain = try kernel.slab.kmemCacheCreate("plain", size: 64, design: PerCPUDesign.none)
        #expect(throws: KMemError.self) { try plain.setMagazineCapacity(8) }
        #expect(kernel.everyPageReturned())
    }
}
