@testable import KMem
import Testing

/// The conservation audit: clean on a kernel used correctly, whatever the per-CPU design, and
/// naming what was wrong on one corrupted on purpose.
@Suite struct AuditTests {
    @Test(arguments: PerCPUDesign.allCases)
    func aFreshKernelIsClean(design: PerCPUDesign) throws {
        let kernel = try makeKernel(design: design)
        let audit = kernel.audit(.nothingLive)
        #expect(audit.isClean, "\(audit)")
        #expect(audit.frames.reduce(0) { $0 + $1.frames } == audit.totalFrames)
        if design.hasMagazines {
            #expect(audit.frames(inPlacesStartingWith: "slab kmem_magazine") > 0, "the kmalloc caches' magazines live in slabs")
        }
    }

    @Test(arguments: PerCPUDesign.allCases)
    func everyPlaceIsCountedAfterMixedUse(design: PerCPUDesign) throws {
        let kernel = try makeKernel(design: design)
        let cache = try kernel.slab.kmemCacheCreate("audit_test", size: 200)
        let pool = try #require(try Mempool<PagePoolSource>.createPagePool(minNr: 3, order: 1, allocator: kernel.pages))
        var objects: [UnsafeMutableRawPointer] = []
        var kmallocs: [UnsafeMutableRawPointer] = []
        try CPU.withCPU(0) {
            for _ in 0..<300 { objects.append(try #require(kernel.slab.kmemCacheAlloc(cache, .kernel))) }
            for size in [8, 64, 100, 5000, 20_000] { kmallocs.append(try #require(kernel.slab.kmalloc(size, .kernel))) }
        }
        // Frees on the other CPU, so some objects sit in CPU 1's caches and some slabs are remote.
        try CPU.withCPU(1) { for object in objects[..<150] { try kernel.slab.kmemCacheFree(cache, object) } }
        let page = try #require(kernel.pages.allocPages(.kernel, order: 2))
        let area = try #require(try kernel.vmalloc.vmalloc(5 * 4096))
        let freedArea = try #require(try kernel.vmalloc.vmalloc(3 * 4096))
        try kernel.vmalloc.vfree(freedArea)
        let percpu = try #require(try kernel.percpu.allocPercpu(size: 64, align: 8))

        var claims = AuditClaims.nothingLive
        claims.setLive(150, in: cache)
        claims.setLive(1, in: try #require(kernel.slab.kmallocCache(for: 8)))
        claims.setLive(1, in: try #require(kernel.slab.kmallocCache(for: 64)))
        claims.setLive(1, in: try #require(kernel.slab.kmallocCache(for: 100)))
        claims.setLive(1, in: try #require(kernel.slab.kmallocCache(for: 5000)))
        claims.largeKmallocs = 1
        claims.pages = 4
        claims.vmallocAreas = 1
        claims.percpuAreas = 1
        claims.holders = [pool]
        let audit = kernel.audit(claims)
        #expect(audit.isClean, "\(audit)")
        #expect(audit.frames(inPlacesStartingWith: "held by the caller") == 4)
        #expect(audit.frames(inPlacesStartingWith: "large kmalloc") == 8)
        #expect(audit.frames(inPlacesStartingWith: "vmalloc areas") == 5)
        #expect(audit.frames(inPlacesStartingWith: "mempool reserves") == 6)
        #expect(audit.frames(inPlacesStartingWith: "percpu chunks") > 0)
        #expect(audit.lazyVmallocAreas == 1)
        let objectsOfCache = try #require(audit.cache("audit_test"))
        #expect(objectsOfCache.live == 150)
        #expect(objectsOfCache.objects == objectsOfCache.live + objectsOfCache.places.reduce(0) { $0 + $1.objects })

        claims.setLive(149, in: cache)
        let wrong = kernel.audit(claims)
        #expect(wrong.violations(.liveCountMismatch).map(\.description) == ["cache audit_test: 150 objects live, caller says 149"])

        for object in objects[150...] { try kernel.slab.kmemCacheFree(cache, object) }
        for object in kmallocs { try kernel.slab.kfree(object) }
        try kernel.pages.freePages(page, order: 2)
        try kernel.vmalloc.vfree(area)
        try kernel.percpu.freePercpu(percpu)
        pool.destroy()
        let after = kernel.audit(.nothingLive)
        #expect(after.isClean, "\(after)")
    }

    @Test func aPrefilledSheafIsItsCallersReserve() throws {
        let kernel = try makeKernel(design: .sheaves)
        let cache = try kernel.slab.kmemCacheCreate("audit_sheaf", size: 64)
        let sheaf = try #require(try kernel.slab.kmemCachePrefillSheaf(cache, .kernel, size: 5))
        let object = try #require(kernel.slab.kmemCacheAllocFromSheaf(cache, .kernel, sheaf))
        var claims = AuditClaims.nothingLive
        claims.setLive(1, in: cache)
        claims.holders = [sheaf]
        let audit = kernel.audit(claims)
        #expect(audit.isClean, "\(audit)")
        #expect(audit.cache("audit_sheaf")?.objects(in: "prefilled sheaves") == sheaf.size)
        try kernel.slab.kmemCacheFree(cache, object)
        kernel.slab.kmemCacheReturnSheaf(cache, .kernel, sheaf)
        #expect(kernel.audit(.nothingLive).isClean)
    }

    @Test func aPageFreedTwiceIntoTheBuddyListsIsNamed() throws {
        let kernel = try makeKernel()
        let page = try #require(CPU.withCPU(0) { kernel.pages.allocPages(.kernel, order: 0) })
        let pfn = kernel.pages.pfn(of: page)
        kernel.pages.drainAllPages()
        try CPU.withCPU(0) { try kernel.pages.freePages(page, order: 0) } // alone on CPU 0's pcp list
        // The second free goes straight onto an empty buddy list, past every check (an empty
        // one, so that the page's links still end both lists where they did).
        let zone = kernel.pages.zones + Int(page.pointee.zone)
        zone.pointee.lock.lock()
        let type = try #require((0..<Zone.types).first { zone.pointee.freeHeads[zone.pointee.listIndex(0, $0)] < 0 })
        zone.pointee.addToFreeList(pfn, order: 0, type: type)
        zone.pointee.freePages.wrappingAdd(1, ordering: .relaxed)
        zone.pointee.lock.unlock()
        let audit = kernel.audit(.nothingLive)
        let doubles = audit.violations(.frameInTwoPlaces).map(\.description)
        #expect(doubles == ["page frame \(pfn) in two places: buddy free lists (DMA32) and pcp lists (DMA32, CPU 0)"], "\(audit)")
    }

    @Test func aPageHeldAndFreeIsNamed() throws {
        let kernel = try makeKernel()
        let page = try #require(kernel.pages.allocPages(.kernel, order: 0))
        let pfn = kernel.pages.pfn(of: page)
        let zone = kernel.pages.zones + Int(page.pointee.zone)
        zone.pointee.lock.lock()
        zone.pointee.addToFreeList(pfn, order: 0, type: MigrateType.unmovable.rawValue)
        zone.pointee.lock.unlock()
        var claims = AuditClaims.nothingLive
        claims.pages = 1
        let audit = kernel.audit(claims)
        #expect(audit.violations(.frameInTwoPlaces).map(\.description)
                == ["page frame \(pfn) in two places: buddy free lists (DMA32) and held by the caller"], "\(audit)")
        #expect(audit.violations.contains { $0.description.contains("NR_FREE_PAGES") }, "the zone's free count no longer matches its lists")
    }

    @Test func aFrameTakenOffTheListsWithoutBeingHandedOutIsLost() throws {
        let kernel = try makeKernel()
        let pfn = try #require(kernel.pages.rmqueueBuddy(kernel.pages.zone(.dma32), order: 0, type: .unmovable))
        let audit = kernel.audit(.nothingLive)
        #expect(audit.violations(.frameLost).map(\.description) == ["page frame \(pfn) in no place: on no free list and in no allocated block"])
    }

    @Test func anObjectOnItsSlabFreelistAndInASheafIsNamed() throws {
        let kernel = try makeKernel(design: .sheaves)
        let cache = try kernel.slab.kmemCacheCreate("audit_double", size: 64)
        let object = try #require(CPU.withCPU(0) { kernel.slab.kmemCacheAlloc(cache, .kernel) })
        try CPU.withCPU(0) { try kernel.slab.kmemCacheFree(cache, object) }
        // Pushed a second time, onto its slab's freelist, past the per-CPU layer.
        let slab = try #require(cache.slabOf(object))
        cache.node.lock()
        cache.setFreePointer(object, slab.pointee.freelist)
        slab.pointee.freelist = object
        slab.pointee.inuse -= 1
        cache.node.pointee.freeObjects += 1
        cache.node.unlock()
        let audit = kernel.audit(.nothingLive)
        let address = "0x" + String(UInt(bitPattern: object), radix: 16)
        #expect(audit.violations(.objectInTwoPlaces).map(\.description)
                == ["object \(address) of cache audit_double in two places: slab freelists and CPU 0 main sheaf"], "\(audit)")
    }

    @Test func anObjectPushedTwiceIntoMagazinesIsNamed() throws {
        let kernel = try makeKernel(design: .bonwick)
        let cache = try kernel.slab.kmemCacheCreate("audit_push", size: 64)
        let object = try #require(CPU.withCPU(1) { kernel.slab.kmemCacheAlloc(cache, .kernel) })
        try CPU.withCPU(1) { try kernel.slab.kmemCacheFree(cache, object) }
        let state = cache.magazines(try #require(cache.cpuBlocks), cpu: 1)
        state.pointee.previous.push(object)
        let audit = kernel.audit(.nothingLive)
        let address = "0x" + String(UInt(bitPattern: object), radix: 16)
        #expect(audit.violations(.objectInTwoPlaces).map(\.description)
                == ["object \(address) of cache audit_push in two places: CPU 1 loaded magazine and CPU 1 previous magazine"], "\(audit)")
        #expect(audit.cache("audit_push")?.live == 0, "the object counts once, as free")
    }

    @Test func aVmallocFrameFreedBehindItsAreaIsNamed() throws {
        let kernel = try makeKernel()
        let area = try #require(try kernel.vmalloc.vmalloc(2 * 4096))
        let page = try #require(kernel.vmalloc.vmallocToPage(area))
        try kernel.pages.freePages(page, order: 0)
        var claims = AuditClaims.nothingLive
        claims.vmallocAreas = 1
        let audit = kernel.audit(claims)
        let pfn = kernel.pages.pfn(of: page)
        #expect(audit.violations(.pageState).contains {
            $0.description.hasPrefix("vmalloc areas holds page frame \(pfn), which is not an allocated block (it is in pcp lists")
        }, "\(audit)")
    }

    @Test func aWrongNodeCountIsNamed() throws {
        let kernel = try makeKernel(design: .none)
        let cache = try kernel.slab.kmemCacheCreate("audit_count", size: 128)
        let object = try #require(kernel.slab.kmemCacheAlloc(cache, .kernel))
        cache.node.lock()
        cache.node.pointee.freeObjects += 2
        cache.node.unlock()
        var claims = AuditClaims.nothingLive
        claims.setLive(1, in: cache)
        let audit = kernel.audit(claims)
        #expect(audit.violations.map(\.kind) == [.countMismatch], "\(audit)")
        try kernel.slab.kmemCacheFree(cache, object)
    }
}
