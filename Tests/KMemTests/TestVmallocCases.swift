import Testing
@testable import KMem

/// Small versions of lib/test_vmalloc.c's cases.
@Suite("test_vmalloc cases")
struct TestVmallocCases {
    let page = PhysicalMemory.pageSize

    @Test("fix_size_alloc_test")
    func fixSize() throws {
        let vmalloc = try makeVmalloc()
        for _ in 0..<2000 {
            let memory = try #require(try vmalloc.vmalloc(3 * page))
            memory.storeBytes(of: 0, as: UInt8.self)
            try vmalloc.vfree(memory)
        }
        #expect(vmalloc.allocator.isPristine)
    }

    @Test("full_fit_alloc_test: a freed hole is found again")
    func fullFit() throws {
        let vmalloc = try makeVmalloc()
        let junk = try (0..<100).map { _ in try #require(try vmalloc.vmalloc(page)) }
        let holes = try (0..<100).map { _ in try #require(try vmalloc.vmalloc(page)) }
        for area in junk { try vmalloc.vfree(area) }
        vmalloc.vmUnmapAliases()
        for area in holes {
            try vmalloc.vfree(area)
            let again = try #require(try vmalloc.vmalloc(page))
            again.storeBytes(of: 0, as: UInt8.self)
            try vmalloc.vfree(again)
        }
    }

    @Test("long_busy_list_alloc_test")
    func longBusyList() throws {
        let vmalloc = try makeVmalloc()
        let busy = try (0..<3000).map { _ in try #require(try vmalloc.vmalloc(page)) }
        for _ in 0..<2000 {
            let memory = try #require(try vmalloc.vmalloc(page))
            memory.storeBytes(of: 0, as: UInt8.self)
            try vmalloc.vfree(memory)
        }
        for area in busy { try vmalloc.vfree(area) }
        #expect(vmalloc.statistics().areas == 0)
    }

    @Test("random_size_alloc_test and random_size_align_alloc_test")
    func randomSizeAndAlign() throws {
        let vmalloc = try makeVmalloc()
        var random = SeededGenerator(seed: 7)
        for _ in 0..<500 {
            let size = Int.random(in: 1...100, using: &random) * page
            let align = page << Int.random(in: 1...6, using: &random)
            let memory = try #require(try vmalloc.vmallocNode(size, align: align, node: Vmalloc.numaNoNode))
            #expect(Int(bitPattern: memory) % align == 0)
            memory.storeBytes(of: 1, as: UInt8.self)
            try vmalloc.vfree(memory)
        }
        #expect(vmalloc.allocator.isPristine)
    }

    @Test("fix_align_alloc_test")
    func fixAlign() throws {
        let vmalloc = try makeVmalloc()
        for _ in 0..<500 {
            let memory = try #require(try vmalloc.vmallocNode(5 * page, align: page << 4, node: 0))
            #expect(Int(bitPattern: memory) % (page << 4) == 0)
            try vmalloc.vfree(memory)
        }
    }

    @Test("align_shift_alloc_test: alignments past the range fail")
    func alignShift() throws {
        let vmalloc = try makeVmalloc()
        var failedAt: Int?
        for shift in 0..<63 {
            guard let memory = try vmalloc.vmallocNode(page, align: 1 << shift, gfp: GFP.kernel.union(.zero),
                                                       node: 0) else {
                failedAt = shift
                break
            }
            try vmalloc.vfree(memory)
        }
        let shift = try #require(failedAt)
        #expect(1 << shift > vmalloc.size / 2)
    }

    @Test("no_block_alloc_test: GFP_ATOMIC and GFP_NOWAIT succeed or fail without waiting")
    func noBlock() throws {
        let vmalloc = try makeVmalloc()
        for gfp: GFP in [.atomic, .nowait] {
            for _ in 0..<200 {
                let memory = try Current.withPreemptionDisabled { try vmalloc.vmalloc(3 * page, gfp: gfp) }
                try vmalloc.vfree(memory)
            }
        }
        #expect(vmalloc.allocator.sleepCheck.violations == 0)
    }

    @Test("vrealloc_test: grows and shrinks keeping the contents")
    func vrealloc() throws {
        let vmalloc = try makeVmalloc()
        var memory = try #require(try vmalloc.vrealloc(nil, 100))
        memory.initializeMemory(as: UInt8.self, repeating: 0x5a, count: 100)
        let same = try #require(try vmalloc.vrealloc(memory, 4000))
        #expect(same == memory, "within the mapped page: in place")
        memory = try #require(try vmalloc.vrealloc(memory, 5 * page))
        #expect(UnsafeRawBufferPointer(start: memory, count: 100).allSatisfy { $0 == 0x5a })
        memory = try #require(try vmalloc.vrealloc(memory, 50, gfp: GFP.kernel.union(.zero)))
        #expect(memory.load(fromByteOffset: 49, as: UInt8.self) == 0x5a)
        #expect(memory.load(fromByteOffset: 50, as: UInt8.self) == 0, "a __GFP_ZERO shrink zeroes the tail")
        #expect(try vmalloc.vrealloc(memory, 0) == nil)
        #expect(vmalloc.statistics().areas == 0)
    }

    @Test("pcpu_alloc_test: per-CPU areas of random sizes and alignments, written on every CPU, freed")
    func pcpuAlloc() throws {
        let allocator = try makeAllocator()
        let percpu = try PercpuAllocator(pages: allocator, unitSize: 32 << 10)
        var random = SeededGenerator(seed: 7)
        var areas: [(PercpuPointer, Int)] = []
        for _ in 0..<35_000 / 100 {
            let size = Int.random(in: 1...256, using: &random)
            let align = 1 << Int.random(in: 3...6, using: &random)
            let area = try #require(try percpu.allocPercpu(size: size, align: align))
            for cpu in 0..<2 {
                let pointer = percpu.perCPUPointer(area, cpu: cpu)
                #expect(UInt(bitPattern: pointer) % UInt(align) == 0)
                pointer.initializeMemory(as: UInt8.self, repeating: UInt8(cpu + 1), count: size)
            }
            areas.append((area, size))
        }
        for (area, size) in areas {
            for cpu in 0..<2 {
                #expect(UnsafeRawBufferPointer(start: percpu.perCPUPointer(area, cpu: cpu), count: size).allSatisfy { $0 == UInt8(cpu + 1) })
            }
            try percpu.freePercpu(area)
        }
        #expect(percpu.usage.usedBytesPerCPU == 0)
    }
}
