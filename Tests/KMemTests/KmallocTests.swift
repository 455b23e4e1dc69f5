import Testing
@testable import KMem

@Suite("kmalloc family")
struct KmallocTests {
    @Test("sizes go to their caches, large sizes to compound pages, DMA to ZONE_DMA")
    func placement() throws {
        let kernel = try makeKernel()
        let slab = kernel.slab
        for size in [1, 8, 9, 64, 65, 96, 97, 192, 193, 4096, 8192] {
            let object = try #require(slab.kmalloc(size, .kernel))
            let expected = Kmalloc.sizes.first { $0 >= size }!
            #expect(try slab.ksize(object) == expected, "size \(size)")
            try slab.kfree(object)
        }
        let large = try #require(slab.kmalloc(9000, .kernel))
        #expect(try slab.ksize(large) == 16384)
        #expect(throws: KMemError.interiorPointer(address: UInt(bitPattern: large + 4096), cache: "kmalloc-large", offset: 4096)) {
            try slab.kfree(large + 4096)
        }
        try slab.kfree(large)
        let dma = try #require(slab.kmalloc(100, .kernel.union(.dma)))
        #expect(try kernel.pages.pfn(of: kernel.pages.virtToPage(dma)) < 4096)
        try slab.kfree(dma)
        #expect(kernel.everyPageReturned())
    }

    @Test("size 0, nil, huge sizes and overflowing arrays")
    func edges() throws {
        let kernel = try makeKernel()
        let slab = kernel.slab
        let zero = try #require(slab.kmalloc(0, .kernel))
        #expect(zero == Kmalloc.zeroSizePointer)
        #expect(try slab.ksize(zero) == 0)
        try slab.kfree(zero)
        try slab.kfree(nil)
        #expect(slab.kmalloc(Kmalloc.maxSize + 1, .kernel) == nil)
        #expect(slab.kmalloc(-5, .kernel) == nil)
        #expect(kernel.log.entries(.warning).last?.message.contains("kmalloc of -5 bytes") == true)
        #expect(slab.kmallocArray(Int.max / 2, 3, .kernel) == nil)
        #expect(kernel.log.entries(.warning).last?.message.contains("kmalloc_array(\(Int.max / 2), 3): size overflows") == true)
        #expect(slab.kcalloc(1 << 40, 1 << 40, .kernel.union(.nowarn)) == nil)
        #expect(arraySize(1 << 62, 4) == Int.max && arraySize(-1, 4) == Int.max && arraySize(6, 7) == 42)
        #expect(array3Size(1 << 30, 1 << 30, 1 << 30) == Int.max && array3Size(2, 3, 4) == 24)
        #expect(structSize(header: 16, element: 8, count: 10) == 96)
        #expect(structSize(header: 16, element: 8, count: Int.max) == Int.max)
        #expect(kernel.everyPageReturned())
    }

    @Test("kzalloc and kcalloc zero; krealloc keeps contents when growing and shrinking")
    func zeroingAndRealloc() throws {
        let kernel = try makeKernel()
        let slab = kernel.slab
        let dirty = try #require(slab.kmalloc(200, .kernel))
        dirty.initializeMemory(as: UInt8.self, repeating: 0xee, count: 200)
        try slab.kfree(dirty)
        let clean = try #require(slab.kzalloc(200, .kernel))
        #expect(UnsafeRawBufferPointer(start: clean, count: 200).allSatisfy { $0 == 0 })
        let array = try #require(slab.kcalloc(10, 30, .kernel))
        #expect(UnsafeRawBufferPointer(start: array, count: 300).allSatisfy { $0 == 0 })
        for index in 0..<200 { clean.storeBytes(of: UInt8(index), toByteOffset: index, as: UInt8.self) }
        let grown = try #require(try slab.krealloc(clean, 5000, .kernel))
        #expect((0..<200).allSatisfy { grown.load(fromByteOffset: $0, as: UInt8.self) == UInt8($0) })
        let shrunk = try #require(try slab.krealloc(grown, 100, .kernel))
        #expect((0..<100).allSatisfy { shrunk.load(fromByteOffset: $0, as: UInt8.self) == UInt8($0) })
        let bigArray = try #require(try slab.kreallocArray(shrunk, 4, 1000, .kernel))
        #expect(try slab.kreallocArray(bigArray, Int.max, 2, .kernel.union(.nowarn)) == nil)
        #expect(try slab.krealloc(bigArray, 0, .kernel) == Kmalloc.zeroSizePointer)
        try slab.kfree(array)
        #expect(kernel.everyPageReturned())
    }

    @Test("GFP semantics and the sleep check apply to every kmalloc call")
    func contexts() throws {
        let kernel = try makeKernel()
        let slab = kernel.slab
        let atomic = try #require(Current.inHardirq { slab.kmalloc(64, .atomic) })
        #expect(kernel.pages.sleepCheck.violations == 0)
        // A GFP_KERNEL caller refills its CPU's empty sheaf, and the new sheaf is itself an
        // allocation with the caller's flags (alloc_empty_sheaf's kzalloc): its check fires too.
        let bad = try #require(Current.inHardirq { slab.kmalloc(64, .kernel) })
        #expect(kernel.pages.sleepCheck.violations == 2)
        let cache = try slab.kmemCacheCreate("ctx", size: 32)
        // A fresh cache also needs a slab: the page allocator's own check fires as well.
        let object = try #require(Current.inSoftirq { slab.kmemCacheAlloc(cache, .kernel) })
        #expect(kernel.pages.sleepCheck.violations == 5)
        #expect(kernel.log.entries(.sleepInAtomic).count == 1) // printed at most once a second
        for pointer in [atomic, bad] { try slab.kfree(pointer) }
        try slab.kmemCacheFree(cache, object)
        #expect(kernel.everyPageReturned())
    }

    @Test("a failing kmalloc under GFP_NOWAIT is reported the kernel's way and counted")
    func outOfMemory() throws {
        let kernel = try makeKernel(memory: 32 << 20)
        var objects: [UnsafeMutableRawPointer] = []
        while let object = kernel.slab.kmalloc(4096, .nowait.subtracting(.nowarn)) { objects.append(object) }
        let reports = kernel.log.entries(.allocationFailure).map(\.message)
        #expect(reports.contains { $0.contains("SLUB: Unable to allocate memory on node -1, gfp=0x2000(__GFP_KSWAPD_RECLAIM)") })
        #expect(reports.contains { $0.contains("cache: kmalloc-4k, object size: 4096") })
        for object in objects { try kernel.slab.kfree(object) }
        #expect(kernel.everyPageReturned())
    }
}
