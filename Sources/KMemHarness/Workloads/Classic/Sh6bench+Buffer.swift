/// One sh6bench thread's malloc buffer: doBench's `memory` array with its cursor (mp) and
/// its kept window (save_start ..< save_end), moved as the original moves them.
struct Sh6benchBuffer {
    let held: BlockArray
    var cursor = 0
    var keptStart: Int
    var keptEnd: Int
    /// Blocks whose pointers the original overwrites (and so never frees), kept until the end.
    var lost: LostBlocks

    init(slots: Int) {
        held = BlockArray(count: slots)
        keptStart = slots
        keptEnd = slots
        lost = LostBlocks()
    }

    /// `*mp++ = malloc(size)`, the patch's two writes, the skip over the kept window, and
    /// the frees when the buffer is full.
    @inline(__always)
    mutating func allocate<W>(size: Int, _ driver: inout Driver<W>) {
        let block = driver.allocObject(size: size)
        if let block {
            MemoryTouch.store(block, at: 0, 0)
            MemoryTouch.store(block, at: size - 1, 0)
            driver.noteTouched(2)
        }
        if let overwritten = held.blocks[cursor] { lost.append(overwritten, size: held.amounts[cursor]) }
        held[cursor] = (block, size)
        cursor += 1
        if cursor == keptStart { cursor = keptEnd }
        if cursor >= held.count { cycle(&driver) }
    }

    /// The buffer is full: move the kept window up a fifth, free below it in allocation
    /// order and above it newest first.
    private mutating func cycle<W>(_ driver: inout Driver<W>) {
        keptStart = keptEnd
        if keptStart >= held.count { keptStart = 0 }
        keptEnd = min(keptStart + held.count / 5, held.count)
        for slot in 0..<keptStart { free(slot, &driver) }
        for slot in stride(from: held.count - 1, through: keptEnd, by: -1) { free(slot, &driver) }
        cursor = 0
    }

    @inline(__always)
    private func free<W>(_ slot: Int, _ driver: inout Driver<W>) {
        if let block = held.blocks[slot] { driver.freeObject(block, size: held.amounts[slot]) }
        held.blocks[slot] = nil
    }

    /// After the loop: frees what the buffer holds and what the original lost; returns how
    /// many were lost.
    mutating func freeEverything<W>(_ driver: inout Driver<W>) -> Int {
        held.freeAll(&driver, kind: .objects)
        return lost.freeAll(&driver)
    }

    func deallocate() {
        held.deallocate()
        lost.deallocate()
    }
}

/// A growing list of blocks and their sizes (doubling: appends are amortised constant).
struct LostBlocks {
    private var blocks: UnsafeMutablePointer<(UnsafeMutableRawPointer, Int)>
    private var capacity = 1024
    private(set) var count = 0

    init() { blocks = .harnessAllocate(capacity: capacity) }

    @inline(__always)
    mutating func append(_ block: UnsafeMutableRawPointer, size: Int) {
        if count == capacity { grow() }
        (blocks + count).initialize(to: (block, size))
        count += 1
    }

    private mutating func grow() {
        let larger = UnsafeMutablePointer<(UnsafeMutableRawPointer, Int)>.harnessAllocate(capacity: capacity * 2)
        larger.moveInitialize(from: blocks, count: count)
        blocks.harnessDeallocate()
        blocks = larger
        capacity *= 2
    }

    /// Frees every block; returns how many there were.
    mutating func freeAll<W>(_ driver: inout Driver<W>) -> Int {
        for index in 0..<count { driver.freeObject(blocks[index].0, size: blocks[index].1) }
        defer { count = 0 }
        return count
    }

    func deallocate() { blocks.harnessDeallocate() }
}
