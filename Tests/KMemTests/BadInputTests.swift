import Foundation
@testable import KMem
import Testing

/// The public API's malformed calls, one table: each gets its error (a throw naming what was
/// wrong, or the kernel's NULL with a warning in the log), and none changes the kernel (the
/// audit afterwards finds nothing live and nothing out of place). The kernels here have the
/// model's double-free check on (`hardened_free`); what the kernel's default catches without
/// it is the last test.
@Suite("KMem API bad input") struct BadInputTests {
    /// What a call did, as text to match: `threw: DESCRIPTION`, or `nil` / `non-nil` with the
    /// log's newest message, or a value.
    typealias Call = @Sendable (Kernel) throws -> String

    static func outcome(_ kernel: Kernel, _ pointer: UnsafeMutableRawPointer?) -> String {
        (pointer == nil ? "nil" : "non-nil") + "; log: " + (kernel.log.entries().last?.message ?? "")
    }

    /// A pointer no allocator of the kernel handed out.
    nonisolated(unsafe) static let foreign = UnsafeMutableRawPointer.allocate(byteCount: 64, alignment: 64)

    static let cases: [(name: String, call: Call, expected: String)] = [
        // kmalloc and kfree
        ("kmalloc of a negative size", { outcome($0, $0.slab.kmalloc(-1, .kernel)) },
         "kmalloc of -1 bytes: outside 0...KMALLOC_MAX_SIZE"),
        ("kmalloc above KMALLOC_MAX_SIZE", { outcome($0, $0.slab.kmalloc(Kmalloc.maxSize + 1, .kernel)) },
         "bytes: outside 0...KMALLOC_MAX_SIZE (\(Kmalloc.maxSize))"),
        ("kmalloc_array whose size overflows", { outcome($0, $0.slab.kmallocArray(Int.max / 2, 4, .kernel)) },
         "kmalloc_array(\(Int.max / 2), 4): size overflows"),
        ("kmalloc of 0 is ZERO_SIZE_PTR, and its kfree a no-op", { kernel in
            let pointer = kernel.slab.kmalloc(0, .kernel)
            try kernel.slab.kfree(pointer)
            return pointer == Kmalloc.zeroSizePointer ? "ZERO_SIZE_PTR" : "\(String(describing: pointer))"
        }, "ZERO_SIZE_PTR"),
        ("kfree of a foreign pointer", { try $0.slab.kfree(foreign); return "freed" }, "was not handed out by any cache"),
        ("kfree of an interior pointer", { kernel in
            let object = try #require(kernel.slab.kmalloc(64, .kernel))
            defer { try? kernel.slab.kfree(object) }
            try kernel.slab.kfree(object + 8)
            return "freed"
        }, "points 8 bytes into an object of kmalloc-64, not at its start"),
        ("kfree twice in a row", { kernel in
            let object = try #require(kernel.slab.kmalloc(64, .kernel))
            try kernel.slab.kfree(object)
            try kernel.slab.kfree(object)
            return "freed twice"
        }, "already free (double free)"),
        ("kfree of a large kmalloc's interior", { kernel in
            let object = try #require(kernel.slab.kmalloc(64 << 10, .kernel))
            defer { try? kernel.slab.kfree(object) }
            try kernel.slab.kfree(object + 4096)
            return "freed"
        }, "points 4096 bytes into an object of kmalloc-large"),
        ("ksize of a foreign pointer", { "\(try $0.slab.ksize(foreign))" }, "was not handed out by any cache"),
        // kmem_cache
        ("kmem_cache_create without a name", { _ = try $0.slab.kmemCacheCreate("", size: 64); return "created" },
         "threw: kmem_cache_create: a cache needs a name"),
        ("kmem_cache_create of size 0", { _ = try $0.slab.kmemCacheCreate("t0", size: 0); return "created" },
         "object size 0 is outside 1..."),
        ("kmem_cache_create of a huge size", { _ = try $0.slab.kmemCacheCreate("t1", size: 1 << 40); return "created" },
         "object size 1099511627776 is outside 1..."),
        ("kmem_cache_create with an alignment not a power of two", {
            _ = try $0.slab.kmemCacheCreate("t2", size: 64, align: 24); return "created"
        }, "alignment 24 must be 0 or a power of two"),
        ("kmem_cache_create_usercopy outside the object", {
            _ = try $0.slab.kmemCacheCreate("t3", size: 64, useroffset: 60, usersize: 8); return "created"
        }, "usercopy region 60+8 lies outside the 64-byte object"),
        ("kmem_cache_create with a magazine capacity too large", {
            _ = try $0.slab.kmemCacheCreate("t4", size: 64, magazineCapacity: 70_000); return "created"
        }, "magazine capacity must be 0...65536, got 70000"),
        ("kmem_cache_free to the wrong cache", { kernel in
            let a = try kernel.slab.kmemCacheCreate("bad-a", size: 64), b = try kernel.slab.kmemCacheCreate("bad-b", size: 64)
            let object = try #require(kernel.slab.kmemCacheAlloc(a, .kernel))
            defer { try? kernel.slab.kmemCacheFree(a, object) }
            try kernel.slab.kmemCacheFree(b, object)
            return "freed"
        }, "freed to cache bad-b but belongs to cache bad-a"),
        // pages
        ("alloc_pages of a negative order", { outcome($0, $0.pages.getFreePages(.kernel, order: -1)) },
         "invalid order -1 (MAX_PAGE_ORDER is \(PageAllocator.maxOrder))"),
        ("alloc_pages above MAX_PAGE_ORDER", { outcome($0, $0.pages.getFreePages(.kernel, order: PageAllocator.maxOrder + 1)) },
         "invalid order \(PageAllocator.maxOrder + 1)"),
        ("free_pages with the wrong order", { kernel in
            let pages = try #require(kernel.pages.getFreePages(.kernel, order: 2))
            defer { try? kernel.pages.freePages(address: pages, order: 2) }
            try kernel.pages.freePages(address: pages, order: 1)
            return "freed"
        }, "freed with order 1 but was allocated with order 2"),
        ("free_pages twice", { kernel in
            let pages = try #require(kernel.pages.getFreePages(.kernel, order: 0))
            try kernel.pages.freePages(address: pages, order: 0)
            try kernel.pages.freePages(address: pages, order: 0)
            return "freed twice"
        }, "the page is already free"),
        ("free_pages of an invalid order", { kernel in
            let pages = try #require(kernel.pages.getFreePages(.kernel, order: 0))
            defer { try? kernel.pages.freePages(address: pages, order: 0) }
            try kernel.pages.freePages(address: pages, order: 99)
            return "freed"
        }, "invalid page order 99: orders run from 0 to"),
        ("free_pages outside physical memory", { try $0.pages.freePages(address: foreign, order: 0); return "freed" },
         "is not a direct-map address: it lies outside physical memory"),
        ("free_pages inside a block, not its head", { kernel in
            let pages = try #require(kernel.pages.getFreePages(.kernel, order: 1))
            defer { try? kernel.pages.freePages(address: pages, order: 1) }
            try kernel.pages.freePages(address: pages + 4096, order: 0)
            return "freed"
        }, "was never handed out: it is not the first page of an allocated block"),
        // vmalloc
        ("vmalloc of 0 bytes", { outcome($0, try $0.vmalloc.vmalloc(0)) }, "threw: invalid vmalloc size 0"),
        ("vmalloc beyond the range", { outcome($0, try $0.vmalloc.vmalloc(Int.max)) }, "invalid vmalloc size \(Int.max)"),
        ("vmalloc_node with an alignment not a power of two", {
            outcome($0, try $0.vmalloc.vmallocNode(4096, align: 3 << 12, node: 0))
        }, "invalid alignment 12288: it must be a power of two"),
        ("vmalloc_node on a node the model lacks", { outcome($0, try $0.vmalloc.vmallocNode(4096, node: 3)) },
         "invalid NUMA node 3"),
        ("vfree of a foreign pointer", { try $0.vmalloc.vfree(foreign); return "freed" }, "is not a vmalloc address"),
        ("vfree inside an area", { kernel in
            let area = try #require(try kernel.vmalloc.vmalloc(3 * 4096))
            defer { try? kernel.vmalloc.vfree(area) }
            try kernel.vmalloc.vfree(area + 4096)
            return "freed"
        }, "lies inside the vm area that starts at"),
        ("vfree twice", { kernel in
            let area = try #require(try kernel.vmalloc.vmalloc(4096))
            try kernel.vmalloc.vfree(area)
            try kernel.vmalloc.vfree(area)
            return "freed twice"
        }, "the area is already freed"),
        ("vunmap of a vmalloc area", { kernel in
            let area = try #require(try kernel.vmalloc.vmalloc(4096))
            defer { try? kernel.vmalloc.vfree(area) }
            try kernel.vmalloc.vunmap(area)
            return "unmapped"
        }, "was mapped by vmalloc: release it with vfree"),
        ("vmalloc in hardirq context", { kernel in
            let area = try Current.inHardirq { try kernel.vmalloc.vmalloc(4096, gfp: .atomic) }
            try kernel.vmalloc.vfree(area)
            return "sleep_in_atomic \(kernel.log.count(.sleepInAtomic))"
        }, "sleep_in_atomic 1"),  // the kernel BUGs on vmalloc in interrupt context; the model reports it
        // the sleep check
        ("GFP_KERNEL in hardirq context", { kernel in
            let object = Current.inHardirq { kernel.slab.kmalloc(64, .kernel) }
            try kernel.slab.kfree(object)
            return kernel.log.entries(.sleepInAtomic).last?.message ?? "no report"
        }, "BUG: sleeping function called from invalid context"),
        // per-CPU areas
        ("alloc_percpu of 0 bytes", { "\(String(describing: try $0.percpu.allocPercpu(size: 0, align: 8)))" },
         "alloc_percpu of 0 bytes: the size must be 1..."),
        ("alloc_percpu above the unit size", { "\(String(describing: try $0.percpu.allocPercpu(size: 1 << 20, align: 8)))" },
         "alloc_percpu of 1048576 bytes: the size must be 1..."),
        ("alloc_percpu with an alignment not a power of two", {
            "\(String(describing: try $0.percpu.allocPercpu(size: 8, align: 12)))"
        }, "alignment 12 must be a power of two"),
        ("free_percpu twice", { kernel in
            let area = try #require(try kernel.percpu.allocPercpu(size: 8, align: 8))
            try kernel.percpu.freePercpu(area)
            try kernel.percpu.freePercpu(area)
            return "freed twice"
        }, "not an allocated per-CPU area (never allocated, or freed twice)"),
        // mempool
        ("mempool_create with min_nr 0", { kernel in
            let cache = try kernel.slab.kmemCacheCreate("pool-0", size: 64)
            _ = try Mempool(minNr: 0, source: SlabPoolSource(slab: kernel.slab, cache: cache), sleepCheck: kernel.pages.sleepCheck)
            return "created"
        }, "invalid mempool min_nr 0: a pool reserves at least one element"),
        ("mempool_free of an element from elsewhere", { kernel in
            let cache = try kernel.slab.kmemCacheCreate("pool-1", size: 64)
            let pool = try #require(try Mempool(minNr: 2, source: SlabPoolSource(slab: kernel.slab, cache: cache),
                                                sleepCheck: kernel.pages.sleepCheck))
            defer { pool.destroy() }
            let other = try #require(kernel.slab.kmalloc(64, .kernel))
            defer { try? kernel.slab.kfree(other) }
            try pool.free(other)
            return "freed"
        }, "mempool_free of an element the pool's allocator did not hand out"),
    ]

    @Test("a malformed call gets its error and changes nothing", arguments: cases.indices)
    func badCall(index: Int) throws {
        let (name, call, expected) = Self.cases[index]
        let kernel = try makeKernel(memory: 64 << 20, hardenedFreeCheck: true)
        let outcome: String
        do { outcome = try call(kernel) } catch { outcome = "threw: \(error)" }
        #expect(outcome.contains(expected), "\(name): \(outcome)")
        let audit = kernel.audit(.nothingLive)
        #expect(audit.isClean, "\(name): \(audit.violations)")
    }

    @Test("without the model's check, as in the kernel: SLUB's hardened freelist catches a free twice in a row, a sheaf does not")
    func doubleFreeByDefault() throws {
        let slub = try makeKernel(design: .slub, memory: 64 << 20)
        let object = try #require(slub.slab.kmalloc(64, .kernel))
        try slub.slab.kfree(object)
        #expect(throws: KMemError.self) { try slub.slab.kfree(object) }
        #expect(slub.audit(.nothingLive).isClean)
        let sheaves = try makeKernel(design: .sheaves, memory: 64 << 20)
        let pushedTwice = try #require(sheaves.slab.kmalloc(64, .kernel))
        try sheaves.slab.kfree(pushedTwice)
        try sheaves.slab.kfree(pushedTwice)
        #expect(!sheaves.audit(.nothingLive).violations(.objectInTwoPlaces).isEmpty,
                "the second free put the object in the CPU's sheaf again, which the audit sees")
    }

    @Test("a GFP string that names no flag is refused, naming the word")
    func gfpText() {
        #expect(throws: GFPParseError.self) { try GFP(parsing: "GFP_KERNEL|__GFP_BOGUS") }
        do { _ = try GFP(parsing: "GFP_KERNEL|__GFP_BOGUS") } catch { #expect("\(error)".contains("__GFP_BOGUS")) }
    }
}
