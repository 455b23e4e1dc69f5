import Testing
@testable import KMem

/// fail_page_alloc set to fail every request, blocking ones and order 0 included.
func failEveryPageAllocation(_ allocator: PageAllocator) throws {
    try allocator.failPageAlloc.configure {
        $0.probability = 100
        $0.times = -1
        $0.verbose = false
        $0.filter.minOrder = 0
        $0.filter.ignoreGfpWait = false
        $0.filter.ignoreGfpHighmem = false
    }
}

@Suite("mempool")
struct MempoolTests {
    @Test("blocking callers never get nil while every underlying allocation fails, and all finish")
    func blockingNeverNil() throws {
        let allocator = try makeAllocator()
        let pool = try #require(try Mempool<PagePoolSource>.createPagePool(minNr: 2, order: 0, allocator: allocator))
        try failEveryPageAllocation(allocator)
        let finished = SharedInt(0)
        onThreads(4) { _ in
            for _ in 0..<300 {
                guard let page = pool.alloc(.kernel) else { return }
                try? pool.free(page)
            }
            finished.value.wrappingAdd(1, ordering: .relaxed)
        }
        #expect(finished.value.load(ordering: .relaxed) == 4)
        let stats = pool.statistics
        #expect(stats.fromReserve == 1200 && stats.failures == 0 && stats.currNr == 2)
        #expect(allocator.failPageAlloc.injectedFailures >= 1200, "the restricted try before each reserve hit")
        #expect(allocator.statistics().injectedPageAllocFailures == allocator.failPageAlloc.injectedFailures)
    }

    @Test("atomic callers get nil exactly when the reserve is empty; frees refill it")
    func atomicCallers() throws {
        let allocator = try makeAllocator()
        let pool = try #require(try Mempool<PagePoolSource>.createPagePool(minNr: 3, order: 1, allocator: allocator))
        try failEveryPageAllocation(allocator)
        let taken = try Current.inHardirq { try (0..<3).map { _ in try #require(pool.alloc(.atomic)) } }
        #expect(pool.currNr == 0)
        #expect(Current.inHardirq { pool.alloc(.atomic) } == nil)
        try Current.inHardirq { try pool.free(taken[0]) }
        #expect(pool.currNr == 1)
        let again = try #require(Current.inSoftirq { pool.alloc(.nowait) })
        #expect(again == taken[0] && pool.statistics.failures == 1)
        try allocator.failPageAlloc.configure { $0.probability = 0 }
        for page in taken.dropFirst() + [again] { try pool.free(page) }
        #expect(pool.currNr == 3 && pool.statistics.refills == 4)
        let extra = try #require(pool.alloc(.kernel))
        try pool.free(extra)
        #expect(pool.currNr == 3, "a full reserve sends frees to the allocator")
        #expect(allocator.sleepCheck.violations == 0)
    }

    @Test("resize shrinks and grows the reserve")
    func resize() throws {
        let allocator = try makeAllocator()
        let pool = try #require(try Mempool<PagePoolSource>.createPagePool(minNr: 4, order: 0, allocator: allocator))
        #expect(try pool.resize(2) && pool.currNr == 2)
        #expect(try pool.resize(6) && pool.currNr == 6 && pool.minNr == 6)
        pool.destroy()
        #expect(pool.currNr == 0 && allocator.isPristine)
    }

    @Test("bad input: min_nr below 1, foreign elements and double frees throw and change nothing")
    func badInput() throws {
        let allocator = try makeAllocator()
        #expect(throws: KMemError.invalidMinNr(0)) { try Mempool<PagePoolSource>.createPagePool(minNr: 0, order: 0, allocator: allocator) }
        #expect(throws: KMemError.invalidMinNr(-2)) { try Mempool<PagePoolSource>.createPagePool(minNr: -2, order: 0, allocator: allocator) }
        let pool = try #require(try Mempool<PagePoolSource>.createPagePool(minNr: 2, order: 1, allocator: allocator))
        #expect(throws: KMemError.invalidMinNr(0)) { try pool.resize(0) }
        let wrongOrder = try #require(allocator.allocPages(.kernel, order: 0))
        #expect(throws: KMemError.self) { try pool.free(wrongOrder) }
        let element = try #require(pool.alloc(.kernel))
        try pool.free(element)
        #expect(pool.currNr == 2)
        let borrowed = try #require(pool.alloc(.kernel))
        #expect(pool.currNr == 2, "the allocator served it")
        _ = pool.alloc(.kernel).map { try? pool.free($0) }
        try allocator.freePages(wrongOrder, order: 0)
        try pool.free(borrowed)
        pool.destroy()
        #expect(allocator.isPristine)
    }

    @Test("a pool over closures (mempool_create) rejects what its check rejects and its duplicates")
    func closurePool() throws {
        let allocator = try makeAllocator()
        let source = MempoolFunctions<Int>(alloc: { _ in 42 }, free: { _ in }, check: { (value: Int) throws(KMemError) in
            if value != 42 { throw .foreignMempoolElement("\(value)") }
        })
        let pool = try #require(try Mempool(minNr: 1, source: source, sleepCheck: allocator.sleepCheck))
        #expect(throws: KMemError.foreignMempoolElement("7")) { try pool.free(7) }
        #expect(pool.alloc(.kernel) == 42 && pool.currNr == 1)
    }
}

@Suite("fault injection")
struct FaultInjectionTests {
    @Test("fail_page_alloc honours probability, interval, times, min order and ignore-gfp-wait")
    func failPageAlloc() throws {
        let allocator = try makeAllocator()
        let attr = allocator.failPageAlloc
        #expect(!attr.isEnabled)
        try attr.configure {
            $0.probability = 100
            $0.interval = 3
            $0.times = 2
        }
        #expect(attr.isEnabled)
        func outcome(_ gfp: GFP, order: Int) throws -> Bool {
            guard let page = allocator.allocPages(gfp, order: order) else { return false }
            try allocator.freePages(page, order: order)
            return true
        }
        #expect(try outcome(.atomic, order: 0), "below min-order 1")
        #expect(try outcome(.kernel, order: 2), "may block: ignored")
        #expect(try [outcome(.atomic, order: 1), outcome(.atomic, order: 1), outcome(.atomic, order: 1)] == [true, true, false])
        #expect(try (0..<3).map { _ in try outcome(.atomic, order: 1) } == [true, true, false])
        #expect(!attr.isEnabled && attr.injectedFailures == 2, "times ran out")
        #expect(try outcome(.atomic, order: 1))
        #expect(allocator.log.entries(.faultInjection).first?.message.hasPrefix("FAULT_INJECTION: forcing a failure.") == true)
        #expect(throws: KMemError.self) { try attr.configure { $0.probability = 101 } }
        #expect(allocator.statistics().vmstat.contains("fail_page_alloc_injected 2"))
    }

    @Test("failslab filters by cache name and ignores __GFP_NOFAIL")
    func failslab() throws {
        let allocator = try makeAllocator()
        let attr = allocator.failslab
        try attr.configure {
            $0.probability = 100
            $0.times = -1
            $0.filter.cacheNames = ["dentry"]
        }
        #expect(attr.shouldFailslab(cacheName: "dentry", objectSize: 192, gfp: .atomic))
        #expect(!attr.shouldFailslab(cacheName: "inode_cache", objectSize: 600, gfp: .atomic))
        #expect(!attr.shouldFailslab(cacheName: "dentry", objectSize: 192, gfp: .kernel), "ignore-gfp-wait")
        #expect(!attr.shouldFailslab(cacheName: "dentry", objectSize: 192, gfp: [.atomic, .nofail]))
        #expect(attr.injectedFailures == 1 && allocator.statistics().injectedSlabFailures == 1)
    }
}
