import CKMemShims
import Synchronization

/// A bounded single-producer single-consumer ring of (block, amount) pairs: how a block
/// allocated on one thread or context reaches the one that frees it. Indices are atomics on
/// their own cache lines; the producer publishes with a release store, the consumer reads
/// with an acquire load. `close()` tells the consumer no more will come.
public final class HandoffRing: @unchecked Sendable {
    // Sendable: one producer and one consumer by contract; their shared state is atomic and
    // each slot is written before the release store that publishes it.
    @usableFromInline let mask: Int
    @usableFromInline let blocks: UnsafeMutablePointer<UnsafeMutableRawPointer?>
    @usableFromInline let amounts: UnsafeMutablePointer<Int>
    @usableFromInline let indices: UnsafeMutablePointer<Atomic<Int>> // [0]: head (consumer), [8]: tail (producer)
    let closed = Atomic<Bool>(false)

    /// `capacity` is rounded up to a power of two.
    public init(capacity: Int) {
        let size = 1 << (Int.bitWidth - (max(capacity, 2) - 1).leadingZeroBitCount)
        mask = size - 1
        blocks = .harnessAllocate(capacity: size)
        blocks.initialize(repeating: nil, count: size)
        amounts = .harnessAllocate(capacity: size)
        indices = .harnessAllocate(capacity: 16)
        for index in 0..<16 { (indices + index).initialize(to: Atomic(0)) }
    }

    deinit {
        blocks.harnessDeallocate()
        amounts.harnessDeallocate()
        indices.deinitialize(count: 16)
        indices.harnessDeallocate()
    }

    @inlinable var head: UnsafeMutablePointer<Atomic<Int>> { indices }
    @inlinable var tail: UnsafeMutablePointer<Atomic<Int>> { indices + 8 }

    /// Producer: appends, or returns false when the ring is full.
    @inlinable
    public func push(_ block: UnsafeMutableRawPointer, amount: Int) -> Bool {
        let tailIndex = tail.pointee.load(ordering: .relaxed)
        guard tailIndex &- head.pointee.load(ordering: .acquiring) <= mask else { return false }
        blocks[tailIndex & mask] = block
        amounts[tailIndex & mask] = amount
        tail.pointee.store(tailIndex &+ 1, ordering: .releasing)
        return true
    }

    /// Consumer: the oldest entry, or nil when the ring is empty.
    @inlinable
    public func pop() -> (block: UnsafeMutableRawPointer, amount: Int)? {
        let headIndex = head.pointee.load(ordering: .relaxed)
        guard headIndex != tail.pointee.load(ordering: .acquiring) else { return nil }
        let entry = (blocks[headIndex & mask].unsafelyUnwrapped, amounts[headIndex & mask])
        head.pointee.store(headIndex &+ 1, ordering: .releasing)
        return entry
    }

    public var isFull: Bool { tail.pointee.load(ordering: .relaxed) &- head.pointee.load(ordering: .acquiring) > mask }

    public var isEmpty: Bool { head.pointee.load(ordering: .acquiring) == tail.pointee.load(ordering: .acquiring) }

    public func close() { closed.store(true, ordering: .releasing) }

    /// Whether the producer closed the ring (check emptiness after this, not before).
    public var isClosed: Bool { closed.load(ordering: .acquiring) }

    /// Consumer: frees everything the ring holds until the producer has closed it and it is
    /// empty, yielding the CPU while it waits.
    @inlinable
    public func drainUntilClosed<W: EngineWorker>(_ driver: inout Driver<W>, kind: BlockKind, remote: Bool) {
        while true {
            if let entry = pop() {
                driver.free(kind, entry.block, entry.amount, remote: remote)
                continue
            }
            // Closed, then empty: nothing can arrive any more.
            if isClosed {
                guard let entry = pop() else { return }
                driver.free(kind, entry.block, entry.amount, remote: remote)
                continue
            }
            sched_yield()
        }
    }

    /// Consumer: frees what is there now.
    @inlinable
    public func drainAvailable<W: EngineWorker>(_ driver: inout Driver<W>, kind: BlockKind, remote: Bool) {
        while let entry = pop() { driver.free(kind, entry.block, entry.amount, remote: remote) }
    }
}
