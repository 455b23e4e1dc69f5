import Testing
@testable import KMem

@Suite("Watermarks and reserves")
struct WatermarkTests {
    @Test("watermarks, batch and lowmem_reserve are the kernel's for a 1 GiB x86-64 machine")
    func kernelFigures() throws {
        var configuration = PageAllocator.Configuration()
        configuration.cpus = 2
        configuration.kswapd = false
        let allocator = try PageAllocator(configuration)
        let stats = allocator.statistics()
        #expect(stats.minFreeKbytes == 4096)
        #expect(stats.zone(.dma).watermarks == Watermarks(min: 16, low: 20, high: 24))
        #expect(stats.zone(.dma32).watermarks == Watermarks(min: 1008, low: 1266, high: 1524))
        #expect(stats.zone(.normal).spannedPages == 0)
        #expect(stats.zone(.dma).lowmemReserve == [0, 1008, 1008])
        #expect(stats.zone(.dma32).perCPU[0].batch == 63)
        #expect(stats.zone(.dma32).perCPU[0].highMin == 633)
        #expect(stats.zone(.dma32).perCPU[0].high == 0)
        #expect(stats.zone(.dma32).perCPU[0].highMax == 16128)
        #expect(PageAllocator.defaultMinFreeKbytes(lowmemPages: (64 << 20) >> 12) == 1024)
        #expect(PageAllocator.defaultMinFreeKbytes(lowmemPages: 4096) == 512)
        #expect(PageAllocator.defaultMinFreeKbytes(lowmemPages: 1 << 30) == 262_144)
    }

    /// The single-zone test machine: min 256, low 320, high 384 pages.
    static let levels: [(name: String, free: Int)] = [
        ("above LOW", 400), ("between MIN and LOW", 300), ("below MIN", 200), ("below 3/8 MIN", 90),
    ]

    @Test("which GFP types succeed at which free-page level", arguments: [
        ("GFP_KERNEL", [true, true, false, false]),
        ("GFP_NOIO|__GFP_NORETRY", [true, true, false, false]), // plain GFP_NOIO loops: no OOM kill for !__GFP_FS
        ("GFP_ATOMIC", [true, true, true, false]),
        ("GFP_NOWAIT", [true, true, false, false]),
        ("__GFP_HIGH", [true, true, true, false]),
        ("GFP_KERNEL|__GFP_HIGH", [true, true, true, false]),
        ("GFP_ATOMIC|__GFP_NOMEMALLOC", [true, true, true, false]),
        ("GFP_ATOMIC|__GFP_MEMALLOC", [true, true, true, true]),
        ("GFP_KERNEL|__GFP_NORETRY", [true, true, false, false]),
    ])
    func table(flags: String, expected: [Bool]) throws {
        let allocator = try makeSingleZoneAllocator()
        #expect(allocator.statistics().zone(.dma).watermarks == Watermarks(min: 256, low: 320, high: 384))
        let gfp = try GFP(parsing: flags).union(.nowarn)
        let held = HeldPages()
        var outcome: [Bool] = []
        for level in WatermarkTests.levels {
            allocator.drainZone(.dma, to: level.free, holding: held)
            #expect(allocator.statistics().zone(.dma).freePages == level.free)
            let page = allocator.allocPages(gfp, order: 0)
            outcome.append(page != nil)
            if let page { try allocator.freePages(page, order: 0) }
        }
        #expect(outcome == expected, "\(flags) at \(WatermarkTests.levels.map(\.name))")
        try allocator.freeAll(held)
        #expect(allocator.isPristine)
    }

    @Test("the 3/8 boundary: GFP_ATOMIC uses down to 3/8 of MIN, __GFP_HIGH alone half")
    func boundaries() throws {
        let allocator = try makeSingleZoneAllocator()
        let held = HeldPages()
        // 256 - 128 = 128, minus a quarter = 96: order-0 succeeds while free > 96.
        allocator.drainZone(.dma, to: 97, holding: held)
        #expect(allocator.allocPages(.atomic.union(.nowarn), order: 0).map { try? allocator.freePages($0, order: 0) } != nil)
        allocator.drainZone(.dma, to: 96, holding: held)
        #expect(allocator.allocPages(.atomic.union(.nowarn), order: 0) == nil)
        // A blocking __GFP_HIGH caller gets half of MIN: free must exceed 128.
        allocator.drainZone(.dma, to: 96, holding: held)
        try allocator.freeAll(held)
        allocator.drainZone(.dma, to: 129, holding: held)
        #expect(allocator.allocPages([.high, .kernel, .nowarn, .noretry], order: 0).map { try? allocator.freePages($0, order: 0) } != nil)
        allocator.drainZone(.dma, to: 128, holding: held)
        #expect(allocator.allocPages([.high, .kernel, .nowarn, .noretry], order: 0) == nil)
        try allocator.freeAll(held)
        #expect(allocator.isPristine)
    }
}
