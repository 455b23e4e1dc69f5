import Synchronization

/// Live bytes per driver, each driver on its own cache line so that publishing after every
/// operation bounces no line between threads. A driver keeps its exact live bytes there,
/// updated on every call, and raises its line's high mark when an allocation passes it; the resource sampler,
/// every `LiveBytesBoard.interval`, takes each high mark (resetting it to the driver's live
/// bytes then) and sums them. The largest such sum is the cell's live peak: no allocation is
/// missed, and it exceeds the exact peak of the sum only by what the drivers' peaks inside one
/// interval do not share (nothing when each driver peaks in every interval, as `batch` does).
@usableFromInline
final class LiveBytesBoard: @unchecked Sendable {
    // Sendable: the slots are atomics in memory this object owns for its whole life.
    static let stride = 8 // Atomic<Int>s per 64-byte line
    /// Nanoseconds between the sampler's readings of the high marks.
    static let interval: UInt64 = 1_000_000
    let slotCount: Int
    private let base: UnsafeMutablePointer<Atomic<Int>>

    /// One driver's line: its live bytes now and its high mark since the last reading.
    @usableFromInline
    struct Slot {
        @usableFromInline let live: UnsafePointer<Atomic<Int>>

        init(live: UnsafePointer<Atomic<Int>>) { self.live = live }

        @usableFromInline var high: UnsafePointer<Atomic<Int>> { live + 1 }

        // Only the slot's driver writes `live` and raises `high`, so a relaxed load and store
        // are an exact add. A reset racing with a raise can only carry a mark into the next
        // interval, which keeps the sum an upper bound.
        @inlinable @inline(__always)
        func allocated(_ bytes: Int) {
            let now = live.pointee.load(ordering: .relaxed) &+ bytes
            live.pointee.store(now, ordering: .relaxed)
            if now > high.pointee.load(ordering: .relaxed) { high.pointee.store(now, ordering: .relaxed) }
        }

        @inlinable @inline(__always)
        func freed(_ bytes: Int) { live.pointee.store(live.pointee.load(ordering: .relaxed) &- bytes, ordering: .relaxed) }
    }

    init(slots: Int) {
        slotCount = slots
        base = .allocate(capacity: slots * Self.stride)
        for index in 0..<(slots * Self.stride) { (base + index).initialize(to: Atomic(0)) }
    }

    deinit {
        base.deinitialize(count: slotCount * Self.stride)
        base.deallocate()
    }

    func slot(_ index: Int) -> Slot {
        precondition(index < slotCount, "live-bytes slot \(index) of \(slotCount)")
        return Slot(live: UnsafePointer(base + index * Self.stride))
    }

    /// The sum of every driver's high mark since the last call; each mark restarts from its
    /// driver's live bytes now.
    func takeHighMarks() -> Int {
        (0..<slotCount).reduce(0) { sum, index in
            let slot = slot(index)
            return sum + slot.high.pointee.exchange(slot.live.pointee.load(ordering: .relaxed), ordering: .relaxed)
        }
    }
}
