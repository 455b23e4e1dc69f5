import Testing
@testable import KMem

@Suite("Per-CPU allocations")
struct PercpuTests {
    @Test("each CPU has its own zeroed, aligned copy; freed room is reused")
    func copies() throws {
        let allocator = try makeAllocator()
        let percpu = try PercpuAllocator(pages: allocator, unitSize: 16 << 10)
        let counter = try #require(try percpu.allocPercpu(Int.self))
        let array = try #require(try percpu.allocPercpu(size: 100, align: 64))
        for cpu in 0..<2 {
            #expect(percpu.perCPUPointer(counter, cpu: cpu).load(as: Int.self) == 0)
            #expect(UInt(bitPattern: percpu.perCPUPointer(array, cpu: cpu)) % 64 == 0)
            percpu.perCPUPointer(counter, cpu: cpu).storeBytes(of: 10 + cpu, as: Int.self)
        }
        #expect(percpu.perCPUPointer(counter, cpu: 0).load(as: Int.self) == 10)
        #expect(percpu.perCPUPointer(counter, cpu: 1).load(as: Int.self) == 11)
        #expect(percpu.perCPUPointer(counter, cpu: 1) - percpu.perCPUPointer(counter, cpu: 0) == 16 << 10)
        let cpu = percpu.getCPU()
        #expect(Current.inAtomic)
        percpu.perCPUPointer(counter, cpu: cpu).storeBytes(of: 99, as: Int.self)
        percpu.putCPU()
        #expect(!Current.inAtomic)
        try percpu.freePercpu(counter)
        let again = try #require(try percpu.allocPercpu(Int.self))
        #expect(again == counter)
        #expect(percpu.perCPUPointer(again, cpu: cpu).load(as: Int.self) == 0)
        try percpu.freePercpu(again)
        try percpu.freePercpu(array)
        #expect(percpu.usage.usedBytesPerCPU == 0)
    }

    @Test("a full chunk grows for blocking callers; GFP_NOWAIT and GFP_ATOMIC only use room that exists")
    func growth() throws {
        let allocator = try makeAllocator()
        let percpu = try PercpuAllocator(pages: allocator, unitSize: 4096)
        var areas: [PercpuPointer] = []
        for _ in 0..<8 { areas.append(try #require(try percpu.allocPercpu(size: 512, align: 8))) }
        #expect(percpu.usage.chunks == 1)
        #expect(try percpu.allocPercpu(size: 512, align: 8, gfp: .nowait) == nil)
        #expect(try percpu.allocPercpu(size: 512, align: 8, gfp: .atomic) == nil)
        #expect(percpu.usage.chunks == 1)
        areas.append(try #require(try percpu.allocPercpu(size: 512, align: 8)))
        #expect(percpu.usage.chunks == 2)
        for area in areas { try percpu.freePercpu(area) }
    }

    @Test("bad input: size 0 or above the unit, bad alignment, double and foreign frees; the sleep check applies")
    func badInput() throws {
        let allocator = try makeAllocator()
        let percpu = try PercpuAllocator(pages: allocator, unitSize: 4096)
        #expect(throws: KMemError.self) { _ = try percpu.allocPercpu(size: 0, align: 8) }
        #expect(throws: KMemError.self) { _ = try percpu.allocPercpu(size: 4097, align: 8) }
        #expect(throws: KMemError.self) { _ = try percpu.allocPercpu(size: 8, align: 12) }
        let area = try #require(try percpu.allocPercpu(size: 64, align: 8))
        #expect(throws: KMemError.self) { try percpu.freePercpu(PercpuPointer(chunk: 0, offset: area.offset + 8)) }
        #expect(throws: KMemError.self) { try percpu.freePercpu(PercpuPointer(chunk: 5, offset: 0)) }
        try percpu.freePercpu(area)
        #expect(throws: KMemError.self) { try percpu.freePercpu(area) }
        _ = try Current.inHardirq { try percpu.allocPercpu(size: 8, align: 8) }.map { try percpu.freePercpu($0) }
        #expect(allocator.sleepCheck.violations == 1)
        #expect(throws: KMemError.self) { _ = try PercpuAllocator(pages: allocator, unitSize: 1000) }
    }
}
