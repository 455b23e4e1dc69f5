import Synchronization

/// One cache line per driver for the words other threads read or write: its live bytes and
/// their high mark, which the resource sampler reads, and its round limit, which the runner
/// clears when the phase changes. A line of its own, so that publishing after every operation
/// bounces no line between threads.
///
/// A driver keeps its exact live bytes in its line, updated on every call, and raises the
/// high mark when an allocation passes it; the resource sampler, every `DriverBoard.interval`,
/// takes each high mark (resetting it to the driver's live bytes then) and sums them. The
/// largest such sum is the cell's live peak: no allocation is missed, and it exceeds the exact
/// peak of the sum only by what the drivers' peaks inside one interval do not share (nothing
/// when each driver peaks in every interval, as `batch` does).
@usableFromInline
final class DriverBoard: @unchecked Sendable {
    // Sendable: the lines are atomics in memory this object owns for its whole life.
    static let stride = 8 // Atomic<Int>s per 64-byte line
    /// Nanoseconds between the sampler's readings of the high marks.
    static let interval: UInt64 = 1_000_000
    let slotCount: Int
    private let base: UnsafeMutablePointer<Atomic<Int>>

    /// One driver's line.
    @usableFromInline
    struct Slot {
        @usableFromInline let live: UnsafePointer<Atomic<Int>>

        init(live: UnsafePointer<Atomic<Int>>) { self.live = live }

        /// The high mark of `live` since the sampler's last reading.
        @usableFromInline var high: UnsafePointer<Atomic<Int>> { live + 1 }
        /// The round below which `Driver.more` goes on without reading the phase: the run's
        /// round limit while the phase is the one the driver last saw, 0 once it changed.
        @usableFromInline var roundLimit: UnsafePointer<Atomic<Int>> { live + 2 }

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
        precondition(index < slotCount, "driver slot \(index) of \(slotCount)")
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

    /// Sends every driver's next `more` to the phase. Sequentially consistent, as the store
    /// that re-arms a limit before the driver reads the phase: a clear the driver overwrote
    /// came before that store, so the driver's read sees the phase stored before the clear.
    func clearRoundLimits() {
        for index in 0..<slotCount { slot(index).roundLimit.pointee.store(0, ordering: .sequentiallyConsistent) }
    }
}
