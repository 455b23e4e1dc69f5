import Foundation
import Synchronization
import Testing
@testable import KMem

extension PageAllocator {
    /// Holds `cpu`'s pcp lock of `zone` while `body` runs, as an interrupted holder would.
    func withPerCPUListLocked<T>(_ zone: ZoneType, cpu: Int, _ body: () throws -> T) rethrows -> T {
        let pcp = self.zone(zone).pointee.pcp(cpu)
        precondition(pcp.pointee.lock.tryLock())
        defer { pcp.pointee.lock.unlock() }
        return try body()
    }
}

@Suite("Per-CPU page lists")
struct PerCPUPagesTests {
    @Test("order-0 frees stay on the CPU's list and are reused LIFO; refills come in batches")
    func lifoAndBatches() throws {
        let allocator = try makeAllocator()
        try CPU.withCPU(1) {
            let first = try #require(allocator.allocPages(.kernel, order: 0))
            var stats = allocator.statistics().zone(.normal).perCPU[1]
            #expect(stats.refills == 1 && stats.count == stats.batch - 1)
            try allocator.freePages(first, order: 0)
            let again = try #require(allocator.allocPages(.kernel, order: 0))
            #expect(again == first)
            try allocator.freePages(again, order: 0)
            stats = allocator.statistics().zone(.normal).perCPU[1]
            #expect(stats.allocations == 2 && stats.frees == 2 && stats.count == stats.batch)
            #expect(allocator.statistics().zone(.normal).perCPU[0].count == 0)
        }
        #expect(allocator.isPristine)
    }


    @Test("a pcp list held by one thread sends another thread on that CPU to the zone")
    func busyListGoesToZone() throws {
        let allocator = try makeAllocator()
        let holding = DispatchSemaphore(value: 0)
        let release = DispatchSemaphore(value: 0)
        let served = SharedInt(-1)
        onThreads(2) { index in
            CPU.withCPU(0) {
                if index == 0 {
                    allocator.withPerCPUListLocked(.normal, cpu: 0) {
                        holding.signal()
                        release.wait()
                    }
                } else {
                    holding.wait()
                    let page = allocator.allocPages(.kernel, order: 0)
                    served.value.store(page.map { allocator.pfn(of: $0) } ?? -2, ordering: .relaxed)
                    if let page { try! allocator.freePages(page, order: 0) }
                    release.signal()
                }
            }
        }
        #expect(served.value.load(ordering: .relaxed) >= 8192)
        let normal = allocator.statistics().zone(.normal)
        #expect(normal.perCPU[0].lockMisses == 2)
        #expect(normal.perCPU[0].allocations == 0 && normal.perCPU[0].count == 0)
        #expect(normal.allocatedFromZone == 1 && normal.freedToZone == 1)
        #expect(allocator.isPristine)
    }

    @Test("an interrupt arriving while its own CPU's list is held goes to the zone too")
    func interruptOnSameCPU() throws {
        let allocator = try makeAllocator()
        try CPU.withCPU(1) {
            try allocator.withPerCPUListLocked(.normal, cpu: 1) {
                let page = try #require(Current.inHardirq { allocator.allocPages(.atomic, order: 0) })
                try allocator.freePages(page, order: 0)
            }
        }
        #expect(allocator.statistics().zone(.normal).perCPU[1].lockMisses == 2)
        #expect(allocator.sleepCheck.violations == 0)
        #expect(allocator.isPristine)
    }

    @Test("direct reclaim drains every CPU's list")
    func reclaimDrains() throws {
        let allocator = try makeAllocator(memory: 64 << 20, dmaLimit: 64 << 20, dma32Limit: 64 << 20,
                                          pcpBatch: 63, pcpHigh: 1000)
        try CPU.withCPU(1) {
            var pages: [PagePointer] = []
            for _ in 0..<500 { pages.append(try #require(allocator.allocPages(.kernel, order: 0))) }
            for page in pages { try allocator.freePages(page, order: 0) }
        }
        #expect(allocator.statistics().zone(.dma).perCPU[1].count >= 500)
        let held = HeldPages()
        CPU.withCPU(0) { allocator.drainZone(.dma, to: 0, holding: held) }
        // Only the pages parked on CPU 1's list are left; a blocking request gets one.
        let page = try #require(CPU.withCPU(0) { allocator.allocPages(.kernel, order: 0) })
        #expect(allocator.statistics().event(.drainAll) >= 1)
        try allocator.freePages(page, order: 0)
        try allocator.freeAll(held)
        #expect(allocator.isPristine)
    }
}
