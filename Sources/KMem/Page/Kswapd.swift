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
    /// Highest order a waker asked for, as kswapd_order.
    private let requestedOrder = Atomic<Int>(0)
    private var thread: KernelThread!

    init(allocator: PageAllocator) {
        self.allocator = Unmanaged.passUnretained(allocator)
        thread = KernelThread(name: "kswapd0", period: .seconds(1)) { [self] in balance() }
    }

    /// wakeup_kswapd.
    func wake(order: Int) {
        _ = requestedOrder.max(order, ordering: .relaxed)
        if !pending.exchange(true, ordering: .acquiringAndReleasing) {
            allocator._withUnsafeGuaranteedRef { $0.events.count(.kswapdWakeups) }
            thread.wake()
        }
    }

    func stop() { thread.stop() }

    /// One wake-up's work.
    private func balance() -> Bool {
        guard pending.exchange(false, ordering: .acquiringAndReleasing) else { return true }
        let order = requestedOrder.exchange(0, ordering: .relaxed)
        allocator._withUnsafeGuaranteedRef { $0.balanceNode(order: order) }
        return true
    }
}

extension PageAllocator {
    /// pgdat_balanced: every populated zone holds more than its high watermark.
    var isBalanced: Bool {
        ZoneType.allCases.allSatisfy { type in
            let zone = self.zone(type)
            return !zone.pointee.isPopulated
                || zone.pointee.watermarkOK(order: 0, level: .high, highest: type, flags: [])
        }
    }

    /// balance_pgdat: shrink at priorities 12 down to 1 until balanced. A pass that frees
    /// nothing counts as a kswapd failure, and kswapd goes back to sleep.
    func balanceNode(order: Int) {
        events.count(.kswapdRuns)
        // set_reclaim_active / clear_reclaim_active: pcp frees keep little while it runs.
        for type in ZoneType.allCases where zone(type).pointee.isPopulated { zone(type).pointee.setFlag(Zone.reclaimActive) }
        defer { for type in ZoneType.allCases { zone(type).pointee.clearFlag(Zone.reclaimActive) } }
        var freed = 0
        for priority in stride(from: PageAllocator.defaultPriority, through: 1, by: -1) {
            if isBalanced { break }
            let pass = asReclaimer { shrinkSlab(.kernel, priority: priority) }
            events.count(.kswapdReclaimedPages, by: pass)
            freed += pass
        }
        if freed == 0 && !isBalanced { events.count(.kswapdFailures) }
    }
}
