import KMem

/// One floor worker: `classes` array stacks of block pointers, class c holding blocks of 2^c
/// bytes, and a bump region to carve from. A stack that is full drops the block (its region
/// is unmapped with the engine); one that is empty carves. Each request is one call, never
/// inlined into the workload's loop, as every other engine's is.
public struct FloorWorker: EngineWorker {
    @usableFromInline static let classes = 31 // up to 1 GiB blocks
    @usableFromInline static let stackCapacity = 1 << 16
    static let regionBytes = 64 << 20

    @usableFromInline struct Stack {
        @usableFromInline var count = 0
        @usableFromInline var slots: UnsafeMutablePointer<UnsafeMutableRawPointer>? = nil
    }

    @usableFromInline unowned(unsafe) let engine: FloorEngine
    @usableFromInline let stacks: UnsafeMutablePointer<Stack>
    @usableFromInline var bump: UnsafeMutableRawPointer? = nil
    @usableFromInline var bumpEnd: UnsafeMutableRawPointer? = nil

    init(engine: FloorEngine) {
        self.engine = engine
        stacks = .allocate(capacity: Self.classes)
        stacks.initialize(repeating: Stack(), count: Self.classes)
    }

    /// The size class of a request: the smallest 2^c >= size, at least 16 bytes.
    @inlinable @inline(__always)
    static func sizeClass(_ size: Int) -> Int {
        size <= 16 ? 4 : Int.bitWidth - (size &- 1).leadingZeroBitCount
    }

    @inline(never)
    public mutating func allocObject(size: Int, gfp: GFP) -> UnsafeMutableRawPointer? { pop(Self.sizeClass(size)) }

    @inline(never)
    public mutating func freeObject(_ object: UnsafeMutableRawPointer, size: Int) { push(object, Self.sizeClass(size)) }

    @inline(never)
    public mutating func allocPages(order: Int, gfp: GFP) -> UnsafeMutableRawPointer? { pop(12 + order) }

    @inline(never)
    public mutating func freePages(_ pages: UnsafeMutableRawPointer, order: Int) { push(pages, 12 + order) }

    @inlinable @inline(__always)
    mutating func pop(_ sizeClass: Int) -> UnsafeMutableRawPointer? {
        let stack = stacks + sizeClass
        guard stack.pointee.count > 0 else { return carve(sizeClass) }
        stack.pointee.count &-= 1
        return stack.pointee.slots.unsafelyUnwrapped[stack.pointee.count]
    }

    @inlinable @inline(__always)
    mutating func push(_ block: UnsafeMutableRawPointer, _ sizeClass: Int) {
        let stack = stacks + sizeClass
        guard let slots = stack.pointee.slots, stack.pointee.count < Self.stackCapacity else {
            return pushSlow(block, sizeClass)
        }
        slots[stack.pointee.count] = block
        stack.pointee.count &+= 1
    }

    /// First push onto a class: give it its slot array. A full stack drops the block.
    @usableFromInline
    mutating func pushSlow(_ block: UnsafeMutableRawPointer, _ sizeClass: Int) {
        let stack = stacks + sizeClass
        guard stack.pointee.slots == nil else { return }
        stack.pointee.slots = .allocate(capacity: Self.stackCapacity)
        push(block, sizeClass)
    }

    /// A new block from the bump region, aligned to its size up to a page.
    @usableFromInline
    mutating func carve(_ sizeClass: Int) -> UnsafeMutableRawPointer? {
        let bytes = 1 << sizeClass
        let alignment = min(bytes, 4096)
        if let start = bump?.alignedUp(toMultipleOf: alignment), let end = bumpEnd, start + bytes <= end {
            bump = start + bytes
            return start
        }
        let regionBytes = max(Self.regionBytes, bytes)
        let region = engine.mapRegion(bytes: regionBytes)
        bump = region + bytes
        bumpEnd = region + regionBytes
        return region
    }

    func releaseStacks() {
        for index in 0..<Self.classes { stacks[index].slots?.deallocate() }
        stacks.deallocate()
    }
}
