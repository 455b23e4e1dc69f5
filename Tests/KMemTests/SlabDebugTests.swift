import Testing
@testable import KMem

/// Our versions of the kernel's slub kunit cases (lib/slub_kunit.c).
@Suite("Slab debugging (slub kunit cases)")
struct SlabDebugTests {
    func bugs(_ kernel: Kernel) -> [String] { kernel.log.entries(.slabBug).map(\.message) }

    @Test("clobber_zone: a write past the object is caught in the right red zone, and restored")
    func clobberZone() throws {
        let kernel = try makeKernel()
        let cache = try kernel.slab.kmemCacheCreate("TestSlub_RZ_alloc", size: 64, flags: .redZone)
        let p = try #require(kernel.slab.kmemCacheAlloc(cache, .kernel)).assumingMemoryBound(to: UInt8.self)
        p[64] = 0x12
        #expect(cache.validate() == 1)
        let report = try #require(bugs(kernel).last)
        #expect(report.contains("BUG TestSlub_RZ_alloc (Not tainted): Right Redzone overwritten"))
        #expect(report.contains("First byte 0x12 instead of 0xcc"))
        #expect(p[64] == 0xcc)
        #expect(cache.validate() == 0)
        try kernel.slab.kmemCacheFree(cache, UnsafeMutableRawPointer(p))
        #expect(kernel.everyPageReturned())
    }

    @Test("next_pointer: a corrupt free pointer is reported and the freelist cut; the count is repaired next")
    func nextPointer() throws {
        let kernel = try makeKernel()
        let cache = try kernel.slab.kmemCacheCreate("TestSlub_next_ptr_free", size: 64, flags: .poison)
        let p = try #require(kernel.slab.kmemCacheAlloc(cache, .kernel))
        try kernel.slab.kmemCacheFree(cache, p)
        let pointer = p + cache.layout.freePointerOffset
        pointer.storeBytes(of: ~pointer.load(as: UInt.self), as: UInt.self)
        #expect(cache.validate() == 2)
        let reports = bugs(kernel)
        #expect(reports.contains { $0.contains("Freepointer corrupt") })
        #expect(reports.contains { $0.contains("Wrong object count") })
        #expect(cache.validate() == 0)
        // The cache still hands out objects; the ones past the cut are lost, as in the kernel.
        let q = try #require(kernel.slab.kmemCacheAlloc(cache, .kernel))
        try kernel.slab.kmemCacheFree(cache, q)
    }

    @Test("first_word: a write to a freed object's first word is caught as overwritten poison")
    func firstWord() throws {
        let kernel = try makeKernel()
        let cache = try kernel.slab.kmemCacheCreate("TestSlub_1th_word_free", size: 64, flags: .poison)
        let p = try #require(kernel.slab.kmemCacheAlloc(cache, .kernel))
        try kernel.slab.kmemCacheFree(cache, p)
        p.storeBytes(of: 0x78, as: UInt64.self)
        #expect(cache.validate() == 1)
        #expect(bugs(kernel).last?.contains("Poison overwritten") == true)
        #expect(cache.validate() == 0)
        #expect(kernel.everyPageReturned())
    }

    @Test("clobber_50th_byte: a write into a freed object is caught")
    func clobber50thByte() throws {
        let kernel = try makeKernel()
        let cache = try kernel.slab.kmemCacheCreate("TestSlub_50th_word_free", size: 64, flags: .poison)
        let p = try #require(kernel.slab.kmemCacheAlloc(cache, .kernel))
        try kernel.slab.kmemCacheFree(cache, p)
        p.storeBytes(of: 0x9a, toByteOffset: 50, as: UInt8.self)
        #expect(cache.validate() == 1)
        let report = try #require(bugs(kernel).last)
        #expect(report.contains("Poison overwritten") && report.contains("First byte 0x9a instead of 0x6b"))
        #expect(kernel.everyPageReturned())
    }

    @Test("clobber_redzone_free: a write past a freed object is caught in the inactive red zone")
    func clobberRedzoneFree() throws {
        let kernel = try makeKernel()
        let cache = try kernel.slab.kmemCacheCreate("TestSlub_RZ_free", size: 64, flags: .redZone)
        let p = try #require(kernel.slab.kmemCacheAlloc(cache, .kernel))
        try kernel.slab.kmemCacheFree(cache, p)
        p.storeBytes(of: 0xab, toByteOffset: 64, as: UInt8.self)
        #expect(cache.validate() == 1)
        #expect(bugs(kernel).last?.contains("First byte 0xab instead of 0xbb") == true)
        #expect(kernel.everyPageReturned())
    }

    @Test("kmalloc_redzone_access: bytes past the requested size of a kmalloc object are red zone")
    func kmallocRedzoneAccess() throws {
        let kernel = try makeKernel(debug: [.redZone, .storeUser])
        let p = try #require(kernel.slab.kmalloc(18, .kernel)).assumingMemoryBound(to: UInt8.self)
        p[18] = 0xab
        p[19] = 0xab
        let cache = try #require(kernel.slab.kmallocCache(for: 18))
        #expect(cache.validate() == 1)
        let report = try #require(bugs(kernel).last)
        #expect(report.contains("kmalloc Redzone overwritten") && report.contains("@offset="))
        #expect(report.contains("Allocated in ") && report.contains("SlabDebugTests.swift"))
        try kernel.slab.kfree(UnsafeMutableRawPointer(p))
        #expect(kernel.everyPageReturned())
    }

    @Test("ksize on a debug cache: the object size (slab_ksize), and the whole object becomes usable (skip_orig_size_check)")
    func ksizeOnDebugCache() throws {
        let kernel = try makeKernel(debug: [.redZone, .storeUser])
        let p = try #require(kernel.slab.kmalloc(18, .kernel))
        let cache = try #require(kernel.slab.kmallocCache(for: 18))
        #expect(try kernel.slab.ksize(p) == cache.objectSize)
        p.initializeMemory(as: UInt8.self, repeating: 0x5a, count: cache.objectSize)
        #expect(cache.validate() == 0)
        try kernel.slab.kfree(p)
        let plain = try makeKernel()
        let object = try #require(plain.slab.kmalloc(18, .kernel))
        #expect(try plain.slab.ksize(object) == 32) // the slot, kmalloc-32
        try plain.slab.kfree(object)
    }

    @Test("krealloc_redzone_zeroing: shrinking re-red-zones, growing in place zeroes")
    func kreallocRedzoneZeroing() throws {
        let kernel = try makeKernel(debug: [.redZone, .storeUser])
        var p = try #require(kernel.slab.kmalloc(48, .kernel.union(.zero)))
        p.initializeMemory(as: UInt8.self, repeating: 0xff, count: 48)
        p = try #require(try kernel.slab.krealloc(p, 40, .kernel.union(.zero)))
        for index in 40..<64 { #expect(p.load(fromByteOffset: index, as: UInt8.self) == 0xcc, "byte \(index)") }
        p = try #require(try kernel.slab.krealloc(p, 56, .kernel.union(.zero)))
        for index in 40..<56 { #expect(p.load(fromByteOffset: index, as: UInt8.self) == 0, "byte \(index)") }
        for index in 56..<64 { #expect(p.load(fromByteOffset: index, as: UInt8.self) == 0xcc, "byte \(index)") }
        #expect(try #require(kernel.slab.kmallocCache(for: 56)).validate() == 0)
        try kernel.slab.kfree(p)
        #expect(kernel.everyPageReturned())
    }

    @Test("leak_destroy: destroying a cache with live objects reports them and keeps them valid")
    func leakDestroy() throws {
        let kernel = try makeKernel(debug: .storeUser)
        let cache = try kernel.slab.kmemCacheCreate("TestSlub_leak_destroy", size: 64)
        let p = try #require(kernel.slab.kmemCacheAlloc(cache, .kernel))
        p.storeBytes(of: 0x5555, as: Int.self)
        #expect(kernel.slab.kmemCacheDestroy(cache) == 1)
        let report = try #require(bugs(kernel).last)
        #expect(report.contains("kmem_cache_destroy TestSlub_leak_destroy: Slab cache still has objects"))
        #expect(report.contains("Object 0x\(String(UInt(bitPattern: p), radix: 16))"))
        #expect(p.load(as: Int.self) == 0x5555)
        #expect(kernel.slab.kmemCacheAlloc(cache, .kernel) == nil)
        try kernel.slab.kmemCacheFree(cache, p)
        #expect(kernel.everyPageReturned())
    }

    @Test("a double free in a debug cache is reported as 'Object already free' with both owners")
    func doubleFreeDebug() throws {
        let kernel = try makeKernel(debug: .debugFlags)
        let cache = try kernel.slab.kmemCacheCreate("dbg", size: 100)
        #expect(cache.design == .none)
        let p = try #require(kernel.slab.kmemCacheAlloc(cache, .kernel))
        try kernel.slab.kmemCacheFree(cache, p)
        #expect(throws: KMemError.objectAlreadyFree(address: UInt(bitPattern: p), cache: "dbg")) {
            try kernel.slab.kmemCacheFree(cache, p)
        }
        let report = try #require(bugs(kernel).last)
        #expect(report.contains("Object already free") && report.contains("Freed in ") && report.contains("Allocated in "))
        #expect(cache.validate() == 0)
        #expect(kernel.everyPageReturned())
    }

    @Test("a red zone damaged while allocated is caught at free and the object is not freed")
    func damagedAtFree() throws {
        let kernel = try makeKernel(debug: [.consistencyChecks, .redZone])
        let cache = try kernel.slab.kmemCacheCreate("rz", size: 32)
        let p = try #require(kernel.slab.kmemCacheAlloc(cache, .kernel))
        (p - 1).storeBytes(of: 0, as: UInt8.self)
        #expect(throws: KMemError.self) { try kernel.slab.kmemCacheFree(cache, p) }
        #expect(bugs(kernel).contains { $0.contains("Left Redzone overwritten") })
        #expect(cache.slabInfo().activeObjects == 1)
        try kernel.slab.kmemCacheFree(cache, p)
        #expect(kernel.everyPageReturned())
    }

    @Test("slab_debug option letters parse and print")
    func debugOptions() throws {
        #expect(try SlabFlags(debugOptions: "FZPU") == .debugFlags)
        #expect(try SlabFlags(debugOptions: "zp") == [.redZone, .poison])
        #expect(SlabFlags([.consistencyChecks, .storeUser]).debugOptions == "FU")
        #expect(throws: KMemError.self) { _ = try SlabFlags(debugOptions: "FQ") }
    }
}
