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
    // The weak reference is written once before the thread starts; the flags are atomic.
    private weak var allocator: PageAllocator?
    private let wakeups = DispatchSemaphore(value: 0)
    private let exited = DispatchSemaphore(value: 0)
    private let pending = Atomic<Bool>(false)
    private let stopping = Atomic<Bool>(false)
    private let threadID = Atomic<Int32>(0)
    /// Highest order a waker asked for, as kswapd_order.
    private let requestedOrder = Atomic<Int>(0)

    init(allocator: PageAllocator) {
        self.allocator = allocator
        let thread = Thread { [self] in run() }
        thread.name = "kswapd0"
        thread.start()
    }

    /// wakeup_kswapd.
    func wake(order: Int) {
        _ = requestedOrder.max(order, ordering: .relaxed)
        if !pending.exchange(true, ordering: .acquiringAndReleasing) {
            allocator?.events.count(.kswapdWakeups)
            wakeups.signal()
        }
    }

    func stop() {
        stopping.store(true, ordering: .releasing)
        wakeups.signal()
        // The last reference may be dropped by kswapd itself; it must not wait for itself.
        if threadID.load(ordering: .acquiring) != kmem_shim_gettid() { exited.wait() }
    }

    private func run() {
        threadID.store(kmem_shim_gettid(), ordering: .releasing)
        defer { exited.signal() }
        while true {
            _ = wakeups.wait(timeout: .now() + .seconds(1))
            if stopping.load(ordering: .acquiring) { return }
            guard pending.exchange(false, ordering: .acquiringAndReleasing) else { continue }
            guard let allocator else { return }
            let order = requestedOrder.exchange(0, ordering: .relaxed)
            allocator.balanceNode(order: order)
        }
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
        var freed = 0
        for priority in stride(from: PageAllocator.defaultPriority, through: 1, by: -1) {
            if isBalanced { break }
            freed += asReclaimer { shrinkSlab(.kernel, priority: priority) }
        }
        events.count(.kswapdReclaimedPages, by: freed)
        if freed == 0 && !isBalanced { events.count(.kswapdFailures) }
    }
}
