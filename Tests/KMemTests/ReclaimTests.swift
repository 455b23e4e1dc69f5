import Foundation
import Synchronization
import Testing
@testable import KMem

/// A reclaimable cache of whole pages: gives pages back on scan, and records on which threads
/// it was asked to.
final class PageHoarder: Shrinker, Sendable {
    let name = "page-hoarder"
    let allocator: PageAllocator
    let held = HeldPages()
    let scanThreads = LockedValue<Set<Int32>>([])

    init(allocator: PageAllocator) { self.allocator = allocator }

    /// Takes pages until the zone's free count is at most `target`.
    func fill(to target: Int) {
        allocator.drainZone(.dma, to: target, holding: held)
    }

    func countObjects(_ control: ShrinkControl) -> Int { held.count }

    func scanObjects(_ control: ShrinkControl) -> Int {
        scanThreads.withLock { _ = $0.insert(Current.pid) }
        let victims = held.pfns.withLock { pfns in
            let taken = Array(pfns.suffix(control.nrToScan))
            pfns.removeLast(taken.count)
            return taken
        }
        for (pfn, order) in victims { try! allocator.freePages(allocator.memory.page(pfn), order: order) }
        return victims.count
    }

    func release() throws { try allocator.freeAll(held) }
}

@Suite("Reclaim", .serialized)
struct ReclaimTests {
    @Test("GFP_ATOMIC never reclaims in the caller; GFP_KERNEL reclaims directly below MIN")
    func atomicNeverReclaims() throws {
        let allocator = try makeSingleZoneAllocator()
        let hoarder = PageHoarder(allocator: allocator)
        allocator.registerShrinker(hoarder)
        hoarder.fill(to: 200)
        let stallsBefore = allocator.statistics().event(.allocStalls)
        let atomic = try #require(Current.inHardirq { allocator.allocPages(.atomic, order: 0) })
        try allocator.freePages(atomic, order: 0)
        #expect(allocator.allocPages(.nowait, order: 0) == nil)
        #expect(hoarder.scanThreads.withLock { $0.isEmpty })
        #expect(allocator.statistics().event(.allocStalls) == stallsBefore)
        #expect(allocator.sleepCheck.violations == 0)

        let page = try #require(allocator.allocPages(.kernel, order: 0))
        #expect(hoarder.scanThreads.withLock { $0.contains(Current.pid) })
        let stats = allocator.statistics()
        #expect(stats.event(.allocStalls) > stallsBefore)
        #expect(stats.event(.directReclaimedPages) >= PageAllocator.reclaimClusterPages)
        #expect(stats.oomReports == 0)
        try allocator.freePages(page, order: 0)
        allocator.unregisterShrinker(hoarder)
        try hoarder.release()
        #expect(allocator.isPristine)
    }

    @Test("kswapd, woken below LOW, brings the zone back above HIGH")
    func kswapdBalances() throws {
        let allocator = try makeSingleZoneAllocator(kswapd: true)
        let hoarder = PageHoarder(allocator: allocator)
        allocator.registerShrinker(hoarder)
        hoarder.fill(to: 300)
        #expect(allocator.statistics().zone(.dma).freePages < 320)
        // A GFP_NOWAIT request fails the fast path at LOW and wakes kswapd; it never waits.
        let page = allocator.allocPages(.nowait, order: 0)
        let deadline = Date().addingTimeInterval(10)
        while (allocator.freePages(in: .dma) <= 384 || allocator.statistics().event(.kswapdReclaimedPages) == 0)
                && Date() < deadline {
            usleep(1000)
        }
        let stats = allocator.statistics()
        #expect(stats.zone(.dma).freePages > 384)
        #expect(stats.event(.kswapdWakeups) >= 1 && stats.event(.kswapdRuns) >= 1)
        #expect(stats.event(.kswapdReclaimedPages) > 0)
        #expect(!hoarder.scanThreads.withLock { $0.contains(Current.pid) })
        if let page { try allocator.freePages(page, order: 0) }
        allocator.unregisterShrinker(hoarder)
        try hoarder.release()
        #expect(allocator.isPristine)
    }

    @Test("out of memory: GFP_KERNEL fails with an OOM report; costly, NORETRY and RETRY_MAYFAIL fail without one")
    func outOfMemory() throws {
        let allocator = try makeSingleZoneAllocator()
        let held = HeldPages()
        allocator.drainZone(.dma, to: 100, holding: held)
        #expect(allocator.allocPages(.kernel.union(.noretry), order: 0) == nil)
        #expect(allocator.allocPages(.kernel.union(.retryMayfail), order: 0) == nil)
        #expect(allocator.allocPages(.kernel, order: 4) == nil)
        #expect(allocator.statistics().oomReports == 0)
        #expect(allocator.allocPages(.kernel, order: 0) == nil)
        let stats = allocator.statistics()
        #expect(stats.oomReports == 1)
        #expect(allocator.log.entries(.oom).first?.message.contains("invoked oom-killer: gfp_mask=0x3c00(GFP_KERNEL), order=0") == true)
        #expect(stats.allocationFailureReports == 4)
        // One report per 10 s: the first failure's.
        #expect(allocator.log.entries(.allocationFailure).map(\.message).first?.contains("page allocation failure: order:0, mode:0x") == true)
        #expect(allocator.allocPages(.kernel.union(.nowarn), order: 0) == nil)
        #expect(allocator.statistics().allocationFailureReports == 4)
        #expect(allocator.statistics().event(.allocationFailures) == 5)
        try allocator.freeAll(held)
        #expect(allocator.isPristine)
    }

    @Test("page allocation failure warnings are rate limited to one per 10 s (warn_alloc's nopage_rs) but all counted")
    func warningRateLimit() throws {
        let allocator = try makeSingleZoneAllocator()
        let held = HeldPages()
        allocator.drainZone(.dma, to: 50, holding: held)
        for _ in 0..<25 { #expect(allocator.allocPages(.nowait.subtracting(.nowarn), order: 0) == nil) }
        #expect(allocator.log.entries(.allocationFailure).count == 1)
        #expect(allocator.log.count(.allocationFailure) == 25)
        try allocator.freeAll(held)
    }

    @Test("__GFP_NOFAIL waits until memory is freed instead of failing")
    func nofail() throws {
        let allocator = try makeSingleZoneAllocator()
        let held = HeldPages()
        allocator.drainZone(.dma, to: 0, holding: held)
        let result = SharedInt(-1)
        let started = Date()
        onThreads(2) { index in
            if index == 0 {
                let page = allocator.allocPages(.kernel.union(.nofail), order: 0)
                result.value.store(page.map { allocator.pfn(of: $0) } ?? -2, ordering: .relaxed)
            } else {
                usleep(50_000)
                try! allocator.freeAll(held)
            }
        }
        let pfn = result.value.load(ordering: .relaxed)
        #expect(pfn >= 0)
        #expect(Date().timeIntervalSince(started) >= 0.04)
        try allocator.freePages(allocator.memory.page(pfn), order: 0)
        #expect(allocator.isPristine)
    }

    @Test("__GFP_NOFAIL without direct reclaim warns and fails rather than loop")
    func nofailAtomic() throws {
        let allocator = try makeSingleZoneAllocator()
        let held = HeldPages()
        allocator.drainZone(.dma, to: 0, holding: held)
        #expect(allocator.allocPages(.atomic.union(.nofail), order: 0) == nil)
        #expect(allocator.log.entries(.warning).last?.message.contains("__GFP_NOFAIL without __GFP_DIRECT_RECLAIM") == true)
        try allocator.freeAll(held)
    }
}
