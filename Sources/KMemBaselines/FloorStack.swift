/// The physical limit row in the benchmarks: a stack of pointers to fixed-size blocks carved
/// from one preallocated region. A pop is one load and a push one store (plus the count in a
/// register): no locks, no atomics, no ARC, no size classes.
///
/// Single-threaded by design, as a per-thread cache would be: one thread owns a stack
/// (create one per thread). It is a plain value holding pointers, so copies share storage;
/// call `deallocate()` once, on one copy, when done.
public struct FloorStack {
    /// Bytes per block, rounded up to 16 so every block is aligned like malloc's.
    public let objectSize: Int
    public let capacity: Int
    /// Blocks on the stack now; starts full.
    @usableFromInline var count: Int
    @usableFromInline let slots: UnsafeMutablePointer<UnsafeMutableRawPointer>
    @usableFromInline let region: UnsafeMutableRawPointer

    public init(objectSize: Int, capacity: Int) {
        precondition(objectSize > 0 && capacity > 0, "FloorStack needs a positive object size and capacity")
        self.objectSize = (objectSize + 15) & ~15
        self.capacity = capacity
        region = .allocate(byteCount: self.objectSize * capacity, alignment: 64)
        slots = .allocate(capacity: capacity)
        for index in 0..<capacity {
            slots[index] = region + index * self.objectSize
        }
        count = capacity
    }

    /// The most recently pushed block, or nil when every block is out.
    @inlinable
    public mutating func pop() -> UnsafeMutableRawPointer? {
        guard count > 0 else { return nil }
        count &-= 1
        return slots[count]
    }

    /// Returns a block obtained from `pop()`. Pushing more than `capacity` blocks is a
    /// programming error, checked only in debug builds so the release path stays one store.
    @inlinable
    public mutating func push(_ block: UnsafeMutableRawPointer) {
        assert(count < capacity, "FloorStack overflow: more pushes than pops")
        slots[count] = block
        count &+= 1
    }

    /// Blocks available to `pop()`.
    public var available: Int { count }

    /// Releases the region and the stack. Blocks from it must no longer be used.
    public func deallocate() {
        slots.deallocate()
        region.deallocate()
    }
}
