import Synchronization

/// One live-bytes counter per driver, each on its own cache line, so that publishing after
/// every operation does not bounce lines between threads. The resource sampler sums them.
final class LiveBytesBoard: @unchecked Sendable {
    // Sendable: the slots are atomics in memory this object owns for its whole life.
    static let stride = 8 // Atomic<Int>s per 64-byte line
    let slotCount: Int
    private let base: UnsafeMutablePointer<Atomic<Int>>

    init(slots: Int) {
        slotCount = slots
        base = .allocate(capacity: slots * Self.stride)
        for index in 0..<(slots * Self.stride) { (base + index).initialize(to: Atomic(0)) }
    }

    deinit {
        base.deinitialize(count: slotCount * Self.stride)
        base.deallocate()
    }

    func slot(_ index: Int) -> UnsafePointer<Atomic<Int>> {
        precondition(index < slotCount, "live-bytes slot \(index) of \(slotCount)")
        return UnsafePointer(base + index * Self.stride)
    }

    /// Live bytes over all drivers now (each slot read relaxed: a snapshot, not a cut).
    var total: Int { (0..<slotCount).reduce(0) { $0 + slot($1).pointee.load(ordering: .relaxed) } }
}
