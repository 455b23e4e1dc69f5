import Foundation
import Testing
@testable import KMem

/// pcp high, batch scaling and draining as Linux 6.18 tunes them (mm/page_alloc.c:
/// nr_pcp_alloc, nr_pcp_high, nr_pcp_free, free_pcppages_bulk, decay_pcp_high).
@Suite("Per-CPU page lists tuned as 6.7+") struct PerCPUPagesTuningTests {
    /// 128 MiB with ZONE_DMA32 empty: a 112 MiB Normal zone (28672 pages) on 2 CPUs, batch 8
    /// unless asked: high_min 197 (the low watermark's share per CPU), high_max 1792.
    static func machine(batch: Int? = 8, high: Int? = nil, thp: Bool = true, cacheSlice: Int = 16 << 20,
                        statInterval: Duration? = nil) throws -> PageAllocator {
        var configuration = PageAllocator.Configuration()
        configuration.memorySize = 128 << 20
        configuration.dmaLimit = 16 << 20
        configuration.dma32Limit = 16 << 20
        configuration.cpus = 2
        configuration.pcpBatch = batch
        configuration.pcpHigh = high
        configuration.kswapd = false
        configuration.transparentHugepage = thp
        configuration.cacheSlicePerCPU = cacheSlice
        configuration.statInterval = statInterval
        return try PageAllocator(configuration)
    }

    static func pcp(_ allocator: PageAllocator, cpu: Int = 0) -> PageAllocatorStatistics.PerCPU {
        allocator.statistics().zone(.normal).perCPU[cpu]
    }

    /// Allocates order-0 pages one at a time, recording high and the list's count each time a
    /// refill happens.
    static func allocate(_ allocator: PageAllocator, _ count: Int, gfp: GFP = .kernel,
                         onRefill: (PageAllocatorStatistics.PerCPU) -> Void = { _ in }) throws -> [PagePointer] {
        var pages: [PagePointer] = []
        var refills = pcp(allocator).refills
        for _ in 0..<count {
            pages.append(try #require(allocator.allocPages(gfp, order: 0)))
            let stats = pcp(allocator)
            if stats.refills != refills { refills = stats.refills; onRefill(stats) }
        }
        return pages
    }

    @Test("refills grow high by the scaled batch up to high_max; the batch doubles up to 32x and each free halves it")
    func highGrowsAndBatchScales() throws {
        let allocator = try Self.machine()
        try CPU.withCPU(0) {
            let fresh = Self.pcp(allocator)
            #expect(fresh.high == 0 && fresh.highMin == 197 && fresh.highMax == 1792 && fresh.batch == 8)
            var highs: [Int] = []
            var refilled: [Int] = []
            let pages = try Self.allocate(allocator, 1800) { stats in
                highs.append(stats.high)
                refilled.append(stats.count + 1)
            }
            #expect(refilled.prefix(8) == [8, 16, 32, 64, 128, 256, 256, 256])
            #expect(highs.prefix(11) == [205, 221, 253, 317, 445, 701, 957, 1213, 1469, 1725, 1792])
            #expect(highs.allSatisfy { $0 <= 1792 } && highs.last == 1792)
            #expect(Self.pcp(allocator).allocFactor == 5)
            try allocator.freePages(pages[0], order: 0)
            #expect(Self.pcp(allocator).allocFactor == 2)
            for page in pages.dropFirst().prefix(2) { try allocator.freePages(page, order: 0) }
            #expect(Self.pcp(allocator).allocFactor == 0)
            for page in pages.dropFirst(3) { try allocator.freePages(page, order: 0) }
        }
        #expect(allocator.isPristine)
    }

    @Test("refills leave high alone while the zone is below its high watermark")
    func noGrowthBelowHigh() throws {
        let allocator = try Self.machine()
        let held = HeldPages()
        allocator.drainZone(.normal, to: 400, holding: held)
        try CPU.withCPU(0) {
            var highs: [Int] = []
            let pages = try Self.allocate(allocator, 40) { highs.append($0.high) }
            #expect(!highs.isEmpty && highs.allSatisfy { $0 == 197 })
            #expect(allocator.zone(.normal).pointee.flags.load(ordering: .relaxed) & Zone.belowHigh != 0)
            for page in pages { try allocator.freePages(page, order: 0) }
        }
        try allocator.freeAll(held)
        #expect(allocator.isPristine)
    }

    @Test("decay_pcp_high brings high back to high_min an eighth at a time, draining what is past it")
    func decay() throws {
        let allocator = try Self.machine()
        try CPU.withCPU(0) {
            let pages = try Self.allocate(allocator, 1800)
            for page in pages { try allocator.freePages(page, order: 0) }
        }
        var stats = Self.pcp(allocator)
        #expect(stats.high == 1792 && stats.count > 1792 - 256 && stats.count < 1792)
        var rounds = 0
        while allocator.refreshCPUVMStats(cpu: 0) {
            let next = Self.pcp(allocator)
            #expect(next.high == max(stats.count - (8 << 5), stats.high - stats.high / 8, 197))
            #expect(next.count <= next.high)
            stats = next
            rounds += 1
        }
        stats = Self.pcp(allocator)
        #expect(stats.high == 197 && stats.count <= 197)
        #expect(rounds >= 17 && rounds <= 20)
        #expect(allocator.isPristine)
    }

    @Test("the vmstat worker decays high on its schedule")
    func decayWorker() throws {
        // Long enough that a slow build (Address Sanitizer) does not decay most of high while the
        // pages are still being allocated and freed.
        let interval = Duration.milliseconds(100)
        let allocator = try Self.machine(statInterval: interval)
        try CPU.withCPU(0) {
            let pages = try Self.allocate(allocator, 1800)
            for page in pages { try allocator.freePages(page, order: 0) }
        }
        let start = ContinuousClock.now
        // The worker may have begun already: count the eighths left from here.
        var high = Self.pcp(allocator).high
        var rounds = 0
        while high > 197 { high = max(high - high / 8, 197); rounds += 1 }
        #expect(rounds >= 5)
        while Self.pcp(allocator).high > 197, ContinuousClock.now - start < .seconds(30) { usleep(5000) }
        let elapsed = ContinuousClock.now - start
        #expect(Self.pcp(allocator).high == 197)
        // One round per interval: the next may be due at once, each later one an interval on.
        #expect(elapsed >= interval * (rounds - 1), "\(elapsed) for \(rounds) rounds")
        #expect(allocator.isPristine)
    }

    @Test("nr_pcp_free: a drain takes the pages freed in a row, at least a batch, leaving at least a batch")
    func drainClamp() throws {
        // A fixed high of 64 (high_min = high_max): a free that brings the list to 64 drains.
        let allocator = try Self.machine(high: 64)
        try CPU.withCPU(0) {
            let pages = try Self.allocate(allocator, 200)
            allocator.drainAllPages()
            #expect(Self.pcp(allocator).count == 0 && Self.pcp(allocator).freeCount == 0)
            // A long run: 64 frees in a row drain min(64, 64 - 8) = 56.
            for page in pages.prefix(63) { try allocator.freePages(page, order: 0) }
            #expect(Self.pcp(allocator).count == 63)
            try allocator.freePages(pages[63], order: 0)
            #expect(Self.pcp(allocator).count == 8)
            // Allocations halve the run: 63 frees, 6 allocations, then 7 frees to 64 drain a
            // batch (8), more than the run.
            let taken = try Self.allocate(allocator, 8)
            #expect(Self.pcp(allocator).count == 0 && Self.pcp(allocator).freeCount == 0)
            for page in pages[64..<127] { try allocator.freePages(page, order: 0) }
            let retaken = try Self.allocate(allocator, 6)
            #expect(Self.pcp(allocator).count == 57 && Self.pcp(allocator).freeCount == 0)
            for page in pages[127..<134] { try allocator.freePages(page, order: 0) }
            #expect(Self.pcp(allocator).count == 56)
            // In between, the run itself: 8 more frees make a run of 15.
            for page in taken { try allocator.freePages(page, order: 0) }
            #expect(Self.pcp(allocator).count == 64 - 15)
            for page in retaken + pages[134...] { try allocator.freePages(page, order: 0) }
        }
        #expect(allocator.isPristine)
        // high - batch below a batch: the upper bound wins, as the kernel's clamp has it.
        let small = try Self.machine(high: 12)
        try CPU.withCPU(0) {
            let pages = try Self.allocate(small, 12)
            small.drainAllPages()
            for page in pages { try small.freePages(page, order: 0) }
            #expect(Self.pcp(small).count == 8)
        }
        #expect(small.isPristine)
    }

    @Test("free_pcppages_bulk drains the list just freed to from its tail (the coldest page), then the next lists")
    func drainOrder() throws {
        let allocator = try Self.machine(batch: 4, high: 32)
        try CPU.withCPU(0) {
            let unmovable = try Self.allocate(allocator, 24).map(allocator.pfn(of:))
            let movable = try Self.allocate(allocator, 18, gfp: .highuserMovable).map(allocator.pfn(of:))
            allocator.drainAllPages()
            func free(_ pfns: some Sequence<Int>) throws { for pfn in pfns { try allocator.freePages(allocator.memory.page(pfn), order: 0) } }
            func onList(_ pfn: Int) -> Bool { allocator.memory.pages[pfn].pageType == .pcp }
            try free(movable[0..<8])
            try free(unmovable[0..<20])
            // Three allocations take the three hottest pages back and shorten the run of frees.
            for expected in unmovable[17..<20].reversed() {
                #expect(allocator.pfn(of: try #require(allocator.allocPages(.kernel, order: 0))) == expected)
            }
            try free(unmovable[17..<24])
            // 32 pages: the run of 10 frees drains 10, the oldest unmovable ones.
            #expect(Self.pcp(allocator).count == 22)
            #expect(unmovable[0..<10].allSatisfy { !onList($0) })
            #expect(unmovable[10...].allSatisfy(onList) && movable[0..<8].allSatisfy(onList))
            // Movable frees to 32 again drain their own list first (all 18), then wrap round to
            // the unmovable list's two coldest.
            try free(movable[8...])
            #expect(Self.pcp(allocator).count == 12)
            #expect(movable.allSatisfy { !onList($0) })
            #expect(unmovable[10..<12].allSatisfy { !onList($0) } && unmovable[12...].allSatisfy(onList))
            #expect(allocator.checkConsistency().isEmpty)
        }
        #expect(allocator.isPristine)
    }

    @Test("a run of order 1-3 frees without allocations drains at once (free_high); an order-0 free ends the run")
    func freeHigh() throws {
        for (slice, name) in [(16 << 20, "FREE_HIGH_BATCH"), (0, "no FREE_HIGH_BATCH")] {
            let allocator = try Self.machine(cacheSlice: slice)
            try CPU.withCPU(0) {
                var blocks: [PagePointer] = []
                for _ in 0..<60 { blocks.append(try #require(allocator.allocPages(.kernel, order: 1))) }
                let page = try #require(allocator.allocPage(.kernel))
                allocator.drainAllPages()
                // free_count reaches batch + high_min / 2 = 8 + 98 before the 54th block.
                for (index, block) in blocks.prefix(54).enumerated() {
                    try allocator.freePages(block, order: 1)
                    #expect(Self.pcp(allocator).count == (index < 53 ? 2 * (index + 1) : 0), "\(name) block \(index)")
                }
                #expect(Self.pcp(allocator).high == 197)
                try allocator.freePages(page, order: 0)
                try allocator.freePages(blocks[54], order: 1)
                #expect(Self.pcp(allocator).count == 3, "\(name)")
                // With FREE_HIGH_BATCH a run drains only once a batch is cached.
                for block in blocks.dropFirst(55) { try allocator.freePages(block, order: 1) }
                #expect(Self.pcp(allocator).count == (slice > 0 ? 4 : 0), "\(name)")
            }
            #expect(allocator.isPristine)
        }
    }

    @Test("while kswapd reclaims the zone, frees keep at most four batches")
    func reclaimActive() throws {
        let allocator = try Self.machine()
        try CPU.withCPU(0) {
            let pages = try Self.allocate(allocator, 300)
            allocator.drainAllPages()
            allocator.zone(.normal).pointee.setFlag(Zone.reclaimActive)
            for page in pages { try allocator.freePages(page, order: 0) }
            #expect(Self.pcp(allocator).count < 4 * 8)
            allocator.zone(.normal).pointee.clearFlag(Zone.reclaimActive)
        }
        #expect(allocator.isPristine)
    }

    @Test("with THP, pageblock-order blocks have pcp lists of their own, movable and not")
    func thpLists() throws {
        let allocator = try Self.machine()
        try CPU.withCPU(0) {
            let first = try #require(allocator.allocPages(.highuserMovable, order: 9))
            // nr_pcp_alloc for order 9: max(batch >> 9, 2) blocks, one left on the list.
            var stats = Self.pcp(allocator)
            #expect(stats.refills == 1 && stats.count == 512)
            let second = try #require(allocator.allocPages(.highuserMovable, order: 9))
            stats = Self.pcp(allocator)
            #expect(stats.refills == 1 && stats.count == 0 && stats.allocations == 2)
            let unmovable = try #require(allocator.allocPages(.kernel, order: 9))
            #expect(Self.pcp(allocator).refills == 2 && Self.pcp(allocator).count == 512)
            let pcp = allocator.zone(.normal).pointee.pcp(0)
            #expect(!pcp.isEmpty(PerCPUPages.lowOrderLists) && pcp.isEmpty(PerCPUPages.lowOrderLists + 1))
            for page in [first, second, unmovable] { try allocator.freePages(page, order: 9) }
            #expect(Self.pcp(allocator).count >= 512)
            #expect(allocator.checkConsistency().isEmpty)
        }
        #expect(allocator.isPristine)
        let noTHP = try Self.machine(thp: false)
        try CPU.withCPU(0) {
            let page = try #require(noTHP.allocPages(.highuserMovable, order: 9))
            #expect(Self.pcp(noTHP).refills == 0 && Self.pcp(noTHP).count == 0)
            try noTHP.freePages(page, order: 9)
            #expect(Self.pcp(noTHP).count == 0)
        }
        #expect(noTHP.isPristine)
    }
}
