import Foundation
import Synchronization
import Testing
@testable import KMem

/// Pages the OOM killer may take back: killing it frees them all.
final class KillablePages: OOMVictim, Sendable {
    let name: String
    let allocator: PageAllocator
    let held = HeldPages()
    let kills = Atomic<Int>(0)

    init(_ name: String, allocator: PageAllocator) {
        self.name = name
        self.allocator = allocator
    }

    var pages: Int { held.count }

    func release() throws { try allocator.freeAll(held) }

    func kill() -> Int {
        kills.wrappingAdd(1, ordering: .relaxed)
        let freed = held.count
        try! allocator.freeAll(held)
        return freed
    }
}

@Suite("OOM", .serialized)
struct OOMTests {
    @Test("the OOM killer frees the victim holding the most pages; the kill is progress and the small GFP_KERNEL request succeeds")
    func killsBiggestVictim() throws {
        let allocator = try makeSingleZoneAllocator()
        let small = KillablePages("small", allocator: allocator)
        let big = KillablePages("big", allocator: allocator)
        allocator.registerOOMVictim(small)
        allocator.registerOOMVictim(big)
        allocator.drainZone(.dma, to: allocator.freePages(in: .dma) - 1_000, holding: small.held)
        allocator.drainZone(.dma, to: 0, holding: big.held)
        let page = try #require(allocator.allocPages(.kernel, order: 0))
        #expect(big.kills.load(ordering: .relaxed) == 1 && small.kills.load(ordering: .relaxed) == 0)
        #expect(allocator.statistics().event(.oomEvents) == 1)
        let report = try #require(allocator.log.entries(.oom).last?.message)
        #expect(report.contains("invoked oom-killer: gfp_mask=0x3c00(GFP_KERNEL), order=0"))
        #expect(report.contains("Out of memory: Killed process (big)"))
        #expect(allocator.statistics().event(.allocationFailures) == 0)
        try allocator.freePages(page, order: 0)
        try small.release()
        #expect(allocator.isPristine)
    }

    @Test("with nothing to kill the kernel would panic: the model says so and the request fails")
    func noVictim() throws {
        let allocator = try makeSingleZoneAllocator()
        let held = HeldPages()
        allocator.drainZone(.dma, to: 0, holding: held)
        #expect(allocator.allocPages(.kernel, order: 0) == nil)
        let report = try #require(allocator.log.entries(.oom).last?.message)
        #expect(report.contains("Out of memory and no killable processes..."))
        #expect(report.contains("System is deadlocked on memory"))
        #expect(allocator.statistics().event(.oomEvents) == 0)
        try allocator.freeAll(held)
    }

    @Test("no OOM kill for costly orders, __GFP_RETRY_MAYFAIL, or requests limited below ZONE_NORMAL",
          arguments: [(GFP.kernel, 4), (GFP.kernel.union(.retryMayfail), 0), (GFP.kernel.union(.dma32), 0), (GFP.kernel.union(.dma), 0)])
    func noKill(gfp: GFP, order: Int) throws {
        let allocator = try makeSingleZoneAllocator()
        let victim = KillablePages("spared", allocator: allocator)
        allocator.registerOOMVictim(victim)
        allocator.drainZone(.dma, to: 0, holding: victim.held)
        #expect(allocator.allocPages(gfp, order: order) == nil)
        #expect(victim.kills.load(ordering: .relaxed) == 0)
        #expect(allocator.log.entries(.oom).isEmpty)
        try victim.release()
    }

    @Test("a !__GFP_FS request does not invoke the OOM killer: it loops until memory is freed")
    func nofsLoops() throws {
        let allocator = try makeSingleZoneAllocator()
        let victim = KillablePages("spared", allocator: allocator)
        allocator.registerOOMVictim(victim)
        allocator.drainZone(.dma, to: 0, holding: victim.held)
        let result = SharedInt(-1)
        onThreads(2) { index in
            if index == 0 {
                let page = allocator.allocPages(.nofs, order: 0)
                result.value.store(page.map { allocator.pfn(of: $0) } ?? -2, ordering: .relaxed)
            } else {
                usleep(50_000)
                try! victim.release()
            }
        }
        let pfn = result.value.load(ordering: .relaxed)
        #expect(pfn >= 0)
        #expect(victim.kills.load(ordering: .relaxed) == 0)
        #expect(allocator.log.entries(.oom).isEmpty)
        try allocator.freePages(allocator.memory.page(pfn), order: 0)
        #expect(allocator.isPristine)
    }

    @Test("pgdat_balanced: kswapd's node is balanced when any zone the waker may use passes HIGH")
    func pgdatBalanced() throws {
        let allocator = try makeAllocator()
        let held = HeldPages()
        allocator.drainZone(.normal, to: 0, holding: held)
        allocator.drainZone(.dma32, to: 0, holding: held)
        #expect(allocator.isBalanced(order: 0, highest: .normal)) // DMA is still above HIGH
        #expect(allocator.isBalanced(order: 0, highest: .dma))
        allocator.drainZone(.dma, to: 0, holding: held)
        #expect(!allocator.isBalanced(order: 0, highest: .normal))
        try allocator.freeAll(held)
        #expect(allocator.isBalanced(order: 0, highest: .normal))
    }
}
