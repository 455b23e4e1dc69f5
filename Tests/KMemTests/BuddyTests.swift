import Testing
@testable import KMem

@Suite("Buddy allocator")
struct BuddyTests {
    @Test("zones follow the configured limits and start as maximal free blocks")
    func layout() throws {
        let allocator = try makeAllocator()
        let stats = allocator.statistics()
        #expect(stats.zones.map(\.spannedPages) == [4096, 4096, 8192])
        #expect(stats.freePages == allocator.memory.pageCount)
        #expect(stats.zone(.normal).freeBlocks[10] == 8)
        #expect(stats.zone(.normal).freeBlocks[0..<10].allSatisfy { $0 == 0 })
        #expect(allocator.checkConsistency().isEmpty)
        #expect(stats.buddyinfo.hasPrefix("Node 0, zone      DMA      0      0"))
    }

    @Test("get_order")
    func getOrder() {
        #expect(PageAllocator.getOrder(1) == 0)
        #expect(PageAllocator.getOrder(4096) == 0)
        #expect(PageAllocator.getOrder(4097) == 1)
        #expect(PageAllocator.getOrder(8192) == 1)
        #expect(PageAllocator.getOrder(3 << 12) == 2)
        #expect(PageAllocator.getOrder(4 << 20) == 10)
    }

    @Test("split and merge conserve pages at every step and give back maximal blocks", arguments: [1, 2, 3])
    func splitMerge(seed: UInt64) throws {
        let allocator = try makeAllocator()
        let total = allocator.memory.pageCount
        var random = SeededGenerator(seed: seed)
        var held: [(page: PagePointer, order: Int)] = []
        var heldPages = 0
        for step in 0..<3000 {
            if held.isEmpty || Int.random(in: 0..<10, using: &random) < 6 {
                let order = Int.random(in: 0...6, using: &random)
                let zoneBits: [GFP] = [[], .dma32, .dma]
                let gfp = GFP.kernel.union(zoneBits.randomElement(using: &random)!).union(.nowarn)
                if let page = allocator.allocPages(gfp, order: order) {
                    held.append((page, order))
                    heldPages += 1 << order
                }
            } else {
                let index = Int.random(in: 0..<held.count, using: &random)
                let (page, order) = held.remove(at: index)
                try allocator.freePages(page, order: order)
                heldPages -= 1 << order
            }
            if step % 100 == 0 {
                let stats = allocator.statistics()
                #expect(stats.freePages + stats.pcpPages + heldPages == total, "step \(step)")
                #expect(allocator.checkConsistency() == [], "step \(step)")
            }
        }
        for (page, order) in held { try allocator.freePages(page, order: order) }
        #expect(allocator.isPristine)
        let stats = allocator.statistics()
        #expect(stats.zone(.dma).freeBlocks[10] == 4 && stats.zone(.dma32).freeBlocks[10] == 4)
        #expect(stats.zone(.normal).freeBlocks[10] == 8)
    }

    @Test("blocks are aligned, disjoint and writable through the direct map")
    func alignment() throws {
        let allocator = try makeAllocator()
        var held: [(PagePointer, Int)] = []
        for order in 0...PageAllocator.maxOrder {
            let page = try #require(allocator.allocPages(.kernel, order: order))
            let pfn = allocator.pfn(of: page)
            #expect(pfn % (1 << order) == 0)
            let address = allocator.pageAddress(page)
            address.storeBytes(of: UInt64(pfn), as: UInt64.self)
            #expect(try allocator.virtToPage(address + 17) == page)
            held.append((page, order))
        }
        for (page, _) in held {
            #expect(allocator.pageAddress(page).load(as: UInt64.self) == UInt64(allocator.pfn(of: page)))
        }
        for (page, order) in held { try allocator.freePages(page, order: order) }
        #expect(allocator.isPristine)
    }

    @Test("zone modifiers pick the zone, and requests fall back to lower zones")
    func zones() throws {
        let allocator = try makeAllocator()
        let dma = try #require(allocator.allocPages(.kernel.union(.dma), order: 0))
        #expect(allocator.pfn(of: dma) < 4096)
        let dma32 = try #require(allocator.allocPages(.kernel.union(.dma32), order: 0))
        #expect((4096..<8192).contains(allocator.pfn(of: dma32)))
        let normal = try #require(allocator.allocPages(.kernel, order: 0))
        #expect(allocator.pfn(of: normal) >= 8192)
        for page in [dma, dma32, normal] { try allocator.freePages(page, order: 0) }
        // Exhaust Normal: GFP_KERNEL continues in DMA32, never in DMA's lowmem reserve.
        let held = HeldPages()
        allocator.drainZone(.normal, to: 0, holding: held)
        let fallback = try #require(allocator.allocPages(.kernel, order: 0))
        #expect((4096..<8192).contains(allocator.pfn(of: fallback)))
        try allocator.freePages(fallback, order: 0)
        try allocator.freeAll(held)
        #expect(allocator.isPristine)
    }

    @Test("__GFP_COMP marks head and tails; __GFP_ZERO zeroes")
    func compoundAndZero() throws {
        let allocator = try makeAllocator()
        let dirty = try #require(allocator.allocPages(.kernel, order: 2))
        allocator.pageAddress(dirty).initializeMemory(as: UInt8.self, repeating: 0xAB, count: 4 << 12)
        try allocator.freePages(dirty, order: 2)
        allocator.drainAllPages()
        let page = try #require(allocator.allocPages([.kernel, .comp, .zero], order: 2))
        #expect(page.pointee.flags.contains(.head))
        #expect(allocator.compoundOrder(page) == 2)
        for index in 1..<4 {
            #expect(page[index].flags.contains(.tail))
            #expect(allocator.compoundHead(page + index) == page)
        }
        let bytes = UnsafeRawBufferPointer(start: allocator.pageAddress(page), count: 4 << 12)
        #expect(bytes.allSatisfy { $0 == 0 })
        #expect(throws: KMemError.notAllocated(pfn: allocator.pfn(of: page) + 1)) {
            try allocator.freePages(page + 1, order: 0)
        }
        try allocator.freePages(page, order: 2)
        #expect(!page[1].flags.contains(.tail))
        #expect(allocator.isPristine)
    }

    @Test("get_free_pages / get_zeroed_page / free_pages by address")
    func addressAPI() throws {
        let allocator = try makeAllocator()
        let address = try #require(allocator.getFreePages(.kernel, order: 3))
        #expect(allocator.memory.contains(address))
        let zeroed = try #require(allocator.getZeroedPage(.kernel))
        #expect(UnsafeRawBufferPointer(start: zeroed, count: 4096).allSatisfy { $0 == 0 })
        try allocator.freePages(address: address, order: 3)
        try allocator.freePage(address: zeroed)
        #expect(allocator.isPristine)
    }

    @Test("bad input is a clear error and changes nothing")
    func badInput() throws {
        let allocator = try makeAllocator()
        #expect(allocator.allocPages(.kernel, order: 11) == nil)
        #expect(allocator.allocPages(.kernel, order: -1) == nil)
        #expect(allocator.log.entries(.warning).first?.message.contains("invalid order 11") == true)
        #expect(allocator.allocPages(.kernel.union(.nowarn), order: 12) == nil)
        #expect(allocator.log.count(.warning) == 2)

        let page = try #require(allocator.allocPages(.kernel, order: 2))
        let pfn = allocator.pfn(of: page)
        allocator.drainAllPages()
        let before = allocator.statistics()

        #expect(throws: KMemError.invalidOrder(11)) { try allocator.freePages(page, order: 11) }
        #expect(throws: KMemError.invalidOrder(-1)) { try allocator.freePages(page, order: -1) }
        #expect(throws: KMemError.wrongOrder(pfn: pfn, allocated: 2, freed: 1)) { try allocator.freePages(page, order: 1) }
        #expect(throws: KMemError.notAllocated(pfn: pfn + 1)) { try allocator.freePages(page + 1, order: 0) }
        let neverAllocated = allocator.memory.pageCount - 1
        #expect(throws: KMemError.notAllocated(pfn: neverAllocated)) {
            try allocator.freePages(allocator.memory.page(neverAllocated), order: 0)
        }
        var outside = 0
        withUnsafeMutablePointer(to: &outside) { pointer in
            #expect(throws: KMemError.notDirectMapAddress(UInt(bitPattern: pointer))) {
                try allocator.freePages(address: pointer, order: 0)
            }
            #expect(throws: KMemError.self) { _ = try allocator.virtToPage(pointer) }
        }
        #expect(throws: KMemError.pfnOutOfRange(allocator.memory.pageCount, limit: allocator.memory.pageCount)) {
            try allocator.freePages(allocator.memory.pages + allocator.memory.pageCount, order: 0)
        }
        let after = allocator.statistics()
        #expect(after.freePages == before.freePages && after.pcpPages == before.pcpPages)
        #expect(allocator.checkConsistency().isEmpty)

        try allocator.freePages(page, order: 2)
        #expect(throws: KMemError.doubleFree(pfn: pfn)) { try allocator.freePages(page, order: 2) }
        let single = try #require(allocator.allocPages(.kernel, order: 0))
        try allocator.freePages(single, order: 0)
        #expect(throws: KMemError.doubleFree(pfn: allocator.pfn(of: single))) { try allocator.freePages(single, order: 0) }
        #expect(allocator.isPristine)
        #expect(KMemError.wrongOrder(pfn: 5, allocated: 2, freed: 1).description == "pfn 5 freed with order 1 but was allocated with order 2")
    }

    @Test("physical memory sizes outside 16 MiB ... available memory are refused")
    func memorySizes() {
        for size in [0, 1 << 20, (16 << 20) - 4096, Int.max / 2] {
            #expect(throws: KMemError.self) { _ = try PhysicalMemory(size: size) }
        }
        do {
            _ = try PhysicalMemory(size: 8 << 20)
            Issue.record("8 MiB accepted")
        } catch {
            #expect(error.description.contains("outside the allowed range 16 MiB"))
        }
        #expect(throws: KMemError.self) { _ = try PhysicalMemory(size: (16 << 20) + 100) }
    }
}
