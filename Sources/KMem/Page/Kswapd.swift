import CKMemShims
import Dispatch
import Foundation
import Synchronization

/// kswapd: the background reclaim thread of the (single) node. Woken when an allocation finds
/// a zone below its low watermark, it shrinks caches at rising priority until every zone is
/// back above its high watermark, then sleeps again.
///
/// Waking never waits (an atomic flag and a semaphore signal), so GFP_ATOMIC callers in
/// hardirq context may wake it, as wakeup_kswapd allows.
final class Kswapd: @unchecked Sendable {
    // The allocator is held unretained: it stops this thread in its deinit before anything
    // is torn down, and a weak reference would give it a side table, which sends every retain
    // of it down Swift's slow path (measured: 70% of an order-0 alloc+free pair). The flags
    // are atomic.
    private let allocator: Unmanaged<PageAllocator>
    private let pending = Atomic<Bool>(false)
    /// Highest order and zone a waker asked for, as kswapd_order and kswapd_highest_zoneidx.
    private let requestedOrder = Atomic<Int>(0)
    private let requestedZone = Atomic<Int>(0)
    private var thread: KernelThread!

    init(allocator: PageAllocator) {
        self.allocator = Unmanaged.passUnretained(allocator)
        thread = KernelThread(name: "kswapd0", period: .seconds(1)) { [self] in balance() }
    }

    /// wakeup_kswapd.
    func wake(order: Int, highest: ZoneType) {
        _ = requestedOrder.max(order, ordering: .relaxed)
        _ = requestedZone.max(highest.rawValue, ordering: .relaxed)
        if !pending.exchange(true, ordering: .acquiringAndReleasing) {
            allocator._withUnsafeGuaranteedRef { $0.events.count(.kswapdWakeups) }
            thread.wake()
        }
    }

    func stop() { thread.stop() }

    var round: NSLock { thread.round }

    /// One wake-up's work.
    private func balance() -> Bool {
        guard pending.exchange(false, ordering: .acquiringAndReleasing) else { return true }
        let order = requestedOrder.exchange(0, ordering: .relaxed)
        let highest = ZoneType(rawValue: requestedZone.exchange(0, ordering: .relaxed)) ?? .normal
        allocator._withUnsafeGuaranteedRef { $0.balanceNode(order: order, highest: highest) }
        return true
    }
}

extension PageAllocator {
    /// pgdat_balanced: any populated zone the waker could use (up to `highest`) passes its high
    /// watermark at the requested order; a node with no such zone needs no balancing.
    func isBalanced(order: Int, highest: ZoneType) -> Bool {
        let eligible = ZoneType.allCases.filter { $0 <= highest && zone($0).pointee.isPopulated }
        return eligible.isEmpty || eligible.contains { type in
            zone(type).pointee.watermarkOK(order: order, level: .high, highest: highest, flags: [])
        }
    }

    /// balance_pgdat: shrink at priorities 12 down to 1 until balanced. A pass that frees
    /// nothing counts as a kswapd failure, and kswapd goes back to sleep.
    func balanceNode(order: Int, highest: ZoneType) {
        events.count(.kswapdRuns)
        // set_reclaim_active / clear_reclaim_active: pcp frees keep little while it runs.
        for type in ZoneType.allCases where type <= highest && zone(type).pointee.isPopulated {
            zone(type).pointee.setFlag(Zone.reclaimActive)
        }
        defer { for type in ZoneType.allCases { zone(type).pointee.clearFlag(Zone.reclaimActive) } }
        var freed = 0
        for priority in stride(from: PageAllocator.defaultPriority, through: 1, by: -1) {
            if isBalanced(order: order, highest: highest) { break }
            let pass = asReclaimer { shrinkSlab(.kernel, priority: priority) }
            events.count(.kswapdReclaimedPages, by: pass)
            freed += pass
        }
        if freed == 0 && !isBalanced(order: order, highest: highest) { events.count(.kswapdFailures) }
    }
}
