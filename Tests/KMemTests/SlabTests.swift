import Foundation
import Testing
@testable import KMem

@Suite("Slab caches")
struct SlabTests {
    @Test("kmalloc picks the smallest cache that fits, for every size up to 8 KiB")
    func kmallocIndex() {
        for size in 1...Kmalloc.maxCacheSize {
            let expected = Kmalloc.sizes.firstIndex { $0 >= size }!
            #expect(Kmalloc.index(size) == expected, "size \(size)")
        }
    }

    @Test("slab orders and objects per slab follow calculate_order for 2 CPUs")
    func layouts() throws {
        let kernel = try makeKernel()
        let expected: [(String, Int, Int)] = [("kmalloc-8", 0, 512), ("kmalloc-64", 0, 64), ("kmalloc-96", 0, 42),
                                              ("kmalloc-192", 0, 21), ("kmalloc-1k", 2, 16), ("kmalloc-4k", 3, 8),
                                              ("kmalloc-8k", 3, 4)]
        for (name, order, objects) in expected {
            let cache = try #require(kernel.slab.allCaches.first { $0.name == name })
            #expect(cache.layout.order == order && cache.layout.objectsPerSlab == objects, "\(name)")
        }
        let aligned = try kernel.slab.kmemCacheCreate("hw", size: 20, flags: .hwcacheAlign)
        #expect(aligned.layout.size == 32 && aligned.layout.align == 32)
        let big = try kernel.slab.kmemCacheCreate("big", size: 100, align: 128)
        #expect(big.layout.size == 128)
        #expect(kernel.everyPageReturned())
    }

    @Test("objects are distinct, aligned, writable, and all pages come back", arguments: PerCPUDesign.allCases)
    func basic(design: PerCPUDesign) throws {
        let kernel = try makeKernel(design: design)
        let cache = try kernel.slab.kmemCacheCreate("basic", size: 40, align: 8)
        var objects: [UnsafeMutableRawPointer] = []
        for index in 0..<5000 {
            let object = try #require(kernel.slab.kmemCacheAlloc(cache, .kernel))
            #expect(UInt(bitPattern: object) % 8 == 0)
            object.initializeMemory(as: UInt8.self, repeating: UInt8(truncatingIfNeeded: index), count: 40)
            objects.append(object)
        }
        #expect(Set(objects).count == objects.count)
        for (index, object) in objects.enumerated() {
            #expect(object.load(fromByteOffset: 39, as: UInt8.self) == UInt8(truncatingIfNeeded: index))
        }
        #expect(kernel.pagesConserved())
        for object in objects { try kernel.slab.kmemCacheFree(cache, object) }
        let info = cache.slabInfo()
        // Every object is free again: what the slabs still count as in use is exactly what the
        // per-CPU layer caches (the CPUs' magazines and the depot's full ones).
        #expect(info.activeObjects == info.cpuCachedObjects + info.depotFull * info.magazineCapacity)
        kernel.slab.kmemCacheShrink(cache)
        #expect(cache.slabInfo().slabs == 0)
        #expect(kernel.everyPageReturned())
    }

    @Test("the constructor runs once per object, when its slab is made")
    func constructor() throws {
        let kernel = try makeKernel(design: .bonwick)
        let calls = SharedInt(0)
        let cache = try kernel.slab.kmemCacheCreate("ctor", size: 64) { object in
            object.storeBytes(of: 0xC0FFEE, as: Int.self)
            calls.value.add(1, ordering: .relaxed)
        }
        var objects: [UnsafeMutableRawPointer] = []
        for _ in 0..<100 { objects.append(try #require(kernel.slab.kmemCacheAlloc(cache, .kernel))) }
        let perSlab = cache.layout.objectsPerSlab
        #expect(calls.value.load(ordering: .relaxed) == cache.slabInfo().slabs * perSlab)
        for object in objects {
            #expect(object.load(as: Int.self) == 0xC0FFEE)
            try kernel.slab.kmemCacheFree(cache, object)
        }
        let before = calls.value.load(ordering: .relaxed)
        for _ in 0..<100 {
            let object = try #require(kernel.slab.kmemCacheAlloc(cache, .kernel))
            #expect(object.load(as: Int.self) == 0xC0FFEE)
            try kernel.slab.kmemCacheFree(cache, object)
        }
        #expect(calls.value.load(ordering: .relaxed) == before)
        #expect(kernel.everyPageReturned())
    }

    @Test("conservation: any workload, then freeing, shrinking and destroying every cache returns every page",
          arguments: PerCPUDesign.allCases)
    func conservation(design: PerCPUDesign) throws {
        let kernel = try makeKernel(design: design)
        var random = SeededGenerator(seed: 42)
        let caches = try (0..<4).map { try kernel.slab.kmemCacheCreate("c\($0)", size: [24, 100, 700, 3000][$0]) }
        var live: [(UnsafeMutableRawPointer, KmemCache?)] = []
        var largePages = 0
        for step in 0..<20_000 {
            if live.isEmpty || Int.random(in: 0..<10, using: &random) < 6 {
                if Bool.random(using: &random) {
                    let cache = caches.randomElement(using: &random)!
                    live.append((try #require(kernel.slab.kmemCacheAlloc(cache, .kernel)), cache))
                } else {
                    let size = [1, 8, 60, 96, 150, 500, 2000, 8192, 9000, 70_000].randomElement(using: &random)!
                    let object = try #require(kernel.slab.kmalloc(size, .kernel))
                    if size > Kmalloc.maxCacheSize { largePages += try kernel.slab.ksize(object) / 4096 }
                    live.append((object, nil))
                }
            } else {
                let (object, cache) = live.remove(at: Int.random(in: 0..<live.count, using: &random))
                if let cache {
                    try kernel.slab.kmemCacheFree(cache, object)
                } else {
                    let size = try kernel.slab.ksize(object)
                    if size > Kmalloc.maxCacheSize { largePages -= size / 4096 }
                    try kernel.slab.kfree(object)
                }
            }
            if step % 2000 == 0 { #expect(kernel.pagesConserved(largePages: largePages), "step \(step)") }
        }
        for (object, cache) in live {
            if let cache { try kernel.slab.kmemCacheFree(cache, object) } else { try kernel.slab.kfree(object) }
        }
        for cache in kernel.slab.allCaches { kernel.slab.kmemCacheShrink(cache) }
        #expect(kernel.slab.allCaches.allSatisfy { $0.slabInfo().slabs == 0 })
        #expect(kernel.everyPageReturned())
    }

    @Test("bulk allocation is all or nothing")
    func bulk() throws {
        let kernel = try makeKernel()
        let cache = try kernel.slab.kmemCacheCreate("bulk", size: 128)
        let buffer = UnsafeMutableBufferPointer<UnsafeMutableRawPointer?>.allocate(capacity: 300)
        defer { buffer.deallocate() }
        buffer.initialize(repeating: nil)
        #expect(kernel.slab.kmemCacheAllocBulk(cache, .kernel, into: buffer) == 300)
        #expect(Set(buffer.compactMap { $0 }).count == 300)
        try kernel.slab.kmemCacheFreeBulk(cache, buffer)
        #expect(kernel.everyPageReturned())
    }

    @Test("bad input: foreign, interior, double (hardened check on) and wrong-cache frees, absurd caches — clear errors, nothing corrupted",
          arguments: PerCPUDesign.allCases)
    func badInput(design: PerCPUDesign) throws {
        let kernel = try makeKernel(design: design, hardenedFreeCheck: true)
        let slab = kernel.slab
        let cache = try slab.kmemCacheCreate("victim", size: 64)
        let other = try slab.kmemCacheCreate("other", size: 64)
        let object = try #require(slab.kmemCacheAlloc(cache, .kernel))
        let address = UInt(bitPattern: object)
        var local = 0
        try withUnsafeMutablePointer(to: &local) { foreign in
            #expect(throws: KMemError.notSlabObject(UInt(bitPattern: foreign))) { try slab.kfree(foreign) }
            #expect(throws: KMemError.notSlabObject(UInt(bitPattern: foreign))) { try slab.kmemCacheFree(cache, foreign) }
            let page = try #require(kernel.pages.getFreePage(.kernel))
            #expect(throws: KMemError.notSlabObject(UInt(bitPattern: page))) { try slab.kfree(page) }
            try kernel.pages.freePage(address: page)
        }
        #expect(throws: KMemError.interiorPointer(address: address + 8, cache: "victim", offset: 8)) {
            try slab.kfree(object + 8)
        }
        #expect(throws: KMemError.wrongCache(address: address, expected: "other", actual: "victim")) {
            try slab.kmemCacheFree(other, object)
        }
        try slab.kfree(object)
        #expect(throws: KMemError.objectAlreadyFree(address: address, cache: "victim")) { try slab.kfree(object) }
        #expect(throws: KMemError.objectAlreadyFree(address: address, cache: "victim")) { try slab.kmemCacheFree(cache, object) }
        #expect(kernel.log.entries(.slabBug).last?.message.contains("BUG victim (Not tainted): Object already free") == true)
        // The cache still works and hands the object out once.
        var again: [UnsafeMutableRawPointer] = []
        for _ in 0..<200 { again.append(try #require(slab.kmemCacheAlloc(cache, .kernel))) }
        #expect(Set(again).count == again.count)
        for item in again { try slab.kmemCacheFree(cache, item) }

        for (size, align) in [(0, 0), (-1, 0), (Int.max, 0), (3 << 20, 0), (64, 3), (64, 4 << 20), (64, -8)] {
            #expect(throws: KMemError.self, "size \(size) align \(align)") {
                _ = try slab.kmemCacheCreate("bad", size: size, align: align)
            }
        }
        #expect(throws: KMemError.self) { _ = try slab.kmemCacheCreate("", size: 8) }
        #expect(throws: KMemError.self) { _ = try slab.kmemCacheCreate("uc", size: 64, useroffset: 60, usersize: 8) }
        do {
            _ = try slab.kmemCacheCreate("zero", size: 0)
        } catch {
            #expect(error.description == "kmem_cache_create(zero): object size 0 is outside 1...2097152")
        }
        #expect(kernel.everyPageReturned())
    }

    @Test("kmem_cache_zalloc zeroes an object that was dirty when freed")
    func zalloc() throws {
        let kernel = try makeKernel()
        let cache = try kernel.slab.kmemCacheCreate("zalloc", size: 200)
        let dirty = try #require(kernel.slab.kmemCacheAlloc(cache, .kernel))
        dirty.initializeMemory(as: UInt8.self, repeating: 0xee, count: 200)
        try kernel.slab.kmemCacheFree(cache, dirty)
        let clean = try #require(kernel.slab.kmemCacheZalloc(cache, .kernel))
        #expect(clean == dirty)
        #expect(UnsafeRawBufferPointer(start: clean, count: 200).allSatisfy { $0 == 0 })
        try kernel.slab.kmemCacheFree(cache, clean)
        #expect(kernel.everyPageReturned())
    }
}

/// Double frees as the kernel treats them when the model's hardened check is off (the default):
/// the per-CPU caches take them silently, SLUB's hardened freelist catches an object pushed
/// onto a freelist whose head it already is.
@Suite("double frees, kernel semantics") struct KernelDoubleFreeTests {
    @Test("the magazine and sheaf fast paths write only the pointer array, never the object",
          arguments: [PerCPUDesign.sheaves, .bonwick])
    func fastPathLeavesObject(design: PerCPUDesign) throws {
        let kernel = try makeKernel(design: design)
        let cache = try kernel.slab.kmemCacheCreate("untouched", size: 64)
        try CPU.withCPU(0) {
            let object = try #require(kernel.slab.kmemCacheAlloc(cache, .kernel))
            object.initializeMemory(as: UInt8.self, repeating: 0xA5, count: 64)
            try kernel.slab.kmemCacheFree(cache, object)
            let again = try #require(kernel.slab.kmemCacheAlloc(cache, .kernel))
            #expect(again == object) // last in, first out
            #expect((0..<64).allSatisfy { again.load(fromByteOffset: $0, as: UInt8.self) == 0xA5 })
            try kernel.slab.kmemCacheFree(cache, again)
        }
        kernel.slab.kmemCacheShrink(cache)
        #expect(kernel.everyPageReturned())
    }

    @Test("a sheaf takes a double free as the kernel's does; the flush to the slab catches it with set_freepointer's naive check")
    func sheafDoubleFreeCaughtAtFlush() throws {
        let kernel = try makeKernel(design: .sheaves)
        let cache = try kernel.slab.kmemCacheCreate("twice", size: 64)
        try CPU.withCPU(0) {
            let object = try #require(kernel.slab.kmemCacheAlloc(cache, .kernel))
            let room = try #require(kernel.slab.kmemCacheAlloc(cache, .kernel)) // both frees fit the main sheaf
            try kernel.slab.kmemCacheFree(cache, object)
            try kernel.slab.kmemCacheFree(cache, object) // no check on the cached path
            kernel.slab.kmemCacheShrink(cache) // the flush meets the object twice in a row
            try kernel.slab.kmemCacheFree(cache, room)
        }
        #expect(kernel.log.entries(.slabBug).last?.message.contains("naive double free") == true)
        #expect(kernel.everyPageReturned())
    }

    @Test("with no per-CPU layer, freeing the slab's freelist head again is refused and changes nothing")
    func noPerCPUNaiveCheck() throws {
        let kernel = try makeKernel(design: .none)
        let cache = try kernel.slab.kmemCacheCreate("head", size: 64)
        let keep = try #require(kernel.slab.kmemCacheAlloc(cache, .kernel))
        let object = try #require(kernel.slab.kmemCacheAlloc(cache, .kernel))
        try kernel.slab.kmemCacheFree(cache, object)
        #expect(throws: KMemError.objectAlreadyFree(address: UInt(bitPattern: object), cache: "head")) {
            try kernel.slab.kmemCacheFree(cache, object)
        }
        try kernel.slab.kmemCacheFree(cache, keep)
        #expect(kernel.everyPageReturned())
    }

    @Test("free pointers are stored as next ^ secret ^ swab(address of the slot), as freelist_ptr_encode does")
    func freePointerEncoding() throws {
        let kernel = try makeKernel(design: .none)
        let cache = try kernel.slab.kmemCacheCreate("encoded", size: 64)
        let first = try #require(kernel.slab.kmemCacheAlloc(cache, .kernel))
        let second = try #require(kernel.slab.kmemCacheAlloc(cache, .kernel))
        try kernel.slab.kmemCacheFree(cache, first)
        try kernel.slab.kmemCacheFree(cache, second) // second's free pointer now names first
        let slot = second + cache.layout.freePointerOffset
        let stored = slot.load(as: UInt.self)
        #expect(stored == UInt(bitPattern: first) ^ cache.secret ^ UInt(bitPattern: slot).byteSwapped)
        #expect(cache.freePointer(second) == UInt(bitPattern: first))
        #expect(kernel.everyPageReturned())
    }
}

@Suite("partial list order") struct PartialListOrderTests {
    @Test("a slab that was full rejoins the partial list at its tail, so allocation keeps using the slab at the head",
)
    func fullSlabToTail() throws {
        let kernel = try makeKernel(design: .none)
        let cache = try kernel.slab.kmemCacheCreate("order", size: 256)
        let perSlab = cache.layout.objectsPerSlab
        let slabBytes = cache.layout.slabBytes
        func slabBase(_ object: UnsafeMutableRawPointer) -> UInt { UInt(bitPattern: object) / UInt(slabBytes) }
        var objects: [UnsafeMutableRawPointer] = []
        try CPU.withCPU(0) {
            for _ in 0..<(2 * perSlab + 1) { objects.append(try #require(kernel.slab.kmemCacheAlloc(cache, .kernel))) }
            let partial = slabBase(objects.last!)
            // Objects come slab by slab: the first slab's objects, then the second's.
            let firstFull = objects[0]
            try kernel.slab.kmemCacheFree(cache, firstFull)
            let next = try #require(kernel.slab.kmemCacheAlloc(cache, .kernel))
            #expect(slabBase(next) == partial, "the slab that was full went to the head")
            objects.append(next)
            objects.removeFirst()
            for object in objects { try kernel.slab.kmemCacheFree(cache, object) }
        }
        #expect(kernel.everyPageReturned())
    }
}
