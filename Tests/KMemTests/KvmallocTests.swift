import Testing
@testable import KMem

@Suite("kvmalloc and the slab-backed mempools")
struct KvmallocTests {
    @Test("kvmalloc takes kmalloc when it can and vmalloc when it must, as the rules say", arguments: [
        (100, "GFP_KERNEL", false), (4096, "GFP_KERNEL", false), (64 << 10, "GFP_KERNEL", false),
        (8 << 20, "GFP_KERNEL", true), (64 << 10, "GFP_KERNEL|__GFP_RETRY_MAYFAIL", false),
    ])
    func placement(size: Int, flags: String, expectVmalloc: Bool) throws {
        let kernel = try makeKernel()
        let pointer = try #require(try kernel.kvmalloc(size, GFP(parsing: flags)))
        #expect(kernel.vmalloc.isVmallocAddr(pointer) == expectVmalloc, "\(size) \(flags)")
        pointer.initializeMemory(as: UInt8.self, repeating: 7, count: size)
        try kernel.kvfree(pointer)
        kernel.vmalloc.vmUnmapAliases()
    }

    @Test("above a page, the kmalloc attempt drops direct reclaim and NOFAIL and adds NOWARN; up to a page it keeps the flags")
    func attemptFlags() {
        #expect(Kernel.kmallocAttempt(.kernel, size: 4096) == .kernel)
        let large = Kernel.kmallocAttempt(.kernel.union(.nofail), size: 8192)
        #expect(!large.contains(.directReclaim) && !large.contains(.nofail) && large.contains(.nowarn) && large.contains(.noretry))
        #expect(Kernel.kmallocAttempt(.kernel.union(.retryMayfail), size: 8192).contains(.directReclaim))
    }

    @Test("when kmalloc fails (failslab and fail_page_alloc on), a large request still succeeds through vmalloc; a small one fails")
    func fallback() throws {
        let kernel = try makeKernel()
        try kernel.pages.failslab.configure { $0.probability = 100; $0.times = -1; $0.verbose = false; $0.filter.ignoreGfpWait = false }
        #expect(try kernel.kvmalloc(100, .kernel) == nil)
        // Large kmallocs are page allocations: fail those of order 1 and up, not vmalloc's order-0 pages.
        try kernel.pages.failPageAlloc.configure {
            $0.probability = 100; $0.times = -1; $0.verbose = false
            $0.filter.minOrder = 1; $0.filter.ignoreGfpWait = false
        }
        let large = try #require(try kernel.kvmalloc(40 << 10, .kernel))
        #expect(kernel.vmalloc.isVmallocAddr(large))
        try kernel.kvfree(large)
        #expect(try kernel.kvmalloc(Kernel.kvmallocMaxSize + 1, .kernel) == nil)
        #expect(try kernel.kvmallocArray(Int.max, 2, .kernel.union(.nowarn)) == nil)
    }

    @Test("a request that must not block falls back to vmalloc only where the profile's vmalloc serves one (7.0, not 6.18)",
          arguments: KernelProfile.allCases)
    func nonBlockingFallback(profile: KernelProfile) throws {
        let kernel = try makeKernel { $0.slab.profile = profile; $0.slab.design = nil }
        let pointer = try kernel.kvmalloc(8 << 20, .nowait)
        #expect((pointer != nil) == profile.vmallocServesNonBlocking)
        if let pointer {
            #expect(kernel.vmalloc.isVmallocAddr(pointer))
            try kernel.kvfree(pointer)
        }
    }

    @Test("kvrealloc moves kmalloc memory to vmalloc when it outgrows kmalloc and keeps the contents")
    func realloc() throws {
        let kernel = try makeKernel()
        var pointer = try #require(try kernel.kvzalloc(1000, .kernel))
        for index in 0..<1000 { pointer.storeBytes(of: UInt8(index & 0xff), toByteOffset: index, as: UInt8.self) }
        pointer = try #require(try kernel.kvrealloc(pointer, 8 << 20, .kernel))
        #expect(kernel.vmalloc.isVmallocAddr(pointer))
        #expect((0..<1000).allSatisfy { pointer.load(fromByteOffset: $0, as: UInt8.self) == UInt8($0 & 0xff) })
        pointer = try #require(try kernel.kvrealloc(pointer, 16 << 20, .kernel))
        #expect((0..<1000).allSatisfy { pointer.load(fromByteOffset: $0, as: UInt8.self) == UInt8($0 & 0xff) })
        try kernel.kvfree(pointer)
        let cal = try #require(try kernel.kvcalloc(100, 100, .kernel))
        #expect(UnsafeRawBufferPointer(start: cal, count: 10_000).allSatisfy { $0 == 0 })
        try kernel.kvfree(cal)
    }

    @Test("slab and kmalloc pools keep their reserve and refuse foreign elements")
    func pools() throws {
        let kernel = try makeKernel()
        let cache = try kernel.slab.kmemCacheCreate("bio", size: 200)
        let slabPool = try #require(try Mempool.createSlabPool(minNr: 4, cache: cache, slab: kernel.slab))
        let kmallocPool = try #require(try Mempool.createKmallocPool(minNr: 4, size: 300, slab: kernel.slab))
        try kernel.pages.failslab.configure { $0.probability = 100; $0.times = -1; $0.verbose = false; $0.filter.ignoreGfpWait = false }
        var taken: [UnsafeMutableRawPointer] = []
        for _ in 0..<4 { taken.append(try #require(slabPool.alloc(.atomic))) }
        #expect(slabPool.alloc(.atomic) == nil)
        let foreign = try #require(kernel.slab.kmalloc(64, .kernel.union(.nofail)))
        #expect(throws: KMemError.self) { try slabPool.free(foreign) }
        #expect(throws: KMemError.self) { try kmallocPool.free(foreign) }
        for object in taken { try slabPool.free(object) }
        let element = try #require(kmallocPool.alloc(.atomic))
        #expect(try kernel.slab.ksize(element) >= 300)
        try kmallocPool.free(element)
        try kernel.pages.failslab.configure { $0.probability = 0 }
        try kernel.slab.kfree(foreign)
        slabPool.destroy()
        kmallocPool.destroy()
    }
}
