/// What the kernel's own events say about its zone lock: a page allocation took the zone lock
/// when mm_page_alloc_zone_locked fired on its CPU since that CPU's previous page allocation
/// (rmqueue_bulk refilling the pcp list, or rmqueue_buddy when the pcp could not be used).
/// __rmqueue_smallest fires the event once per block it takes, so a refill of many pages is
/// one locked allocation here, as it is one zone-lock hold. Given for order 0 and for orders
/// 0...3, the orders the pcp lists hold.
public struct KernelZoneLockShare: Sendable, Equatable {
    /// Page allocations, and those that took the zone lock.
    public struct Tally: Sendable, Equatable {
        public var allocations = 0
        public var locked = 0

        mutating func count(locked wasLocked: Bool) {
            allocations += 1
            if wasLocked { locked += 1 }
        }
    }

    public var order0 = Tally()
    public var pcp = Tally()
    /// mm_page_alloc_zone_locked events: none means the event was not recorded, not that the
    /// lock was never taken, and the shares are then unknown.
    public var zoneLockedEvents = 0

    public init(_ trace: Trace) {
        for events in trace.cpus {
            var locked = false
            for event in events {
                switch event.kind {
                case .zoneLocked:
                    locked = true
                    zoneLockedEvents += 1
                case .pageAlloc:
                    if event.order == 0 { order0.count(locked: locked) }
                    if event.order <= 3 { pcp.count(locked: locked) }
                    locked = false
                default: break
                }
            }
        }
    }

    public var order0Share: Double? { share(order0) }
    public var pcpShare: Double? { share(pcp) }

    private func share(_ tally: Tally) -> Double? {
        zoneLockedEvents > 0 && tally.allocations > 0 ? Double(tally.locked) / Double(tally.allocations) : nil
    }
}
