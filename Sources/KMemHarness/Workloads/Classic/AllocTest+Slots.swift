/// One alloc-test thread's slots (the original's TestBin array): a block and its size per
/// slot, side by side as the original lays them out, and the corrupt blocks found so far.
struct AllocTestSlots {
    struct Slot {
        var block: UnsafeMutableRawPointer?
        var size: Int
    }

    let slots: UnsafeMutablePointer<Slot>
    let count: Int
    /// Blocks read back with other contents than were written.
    private let corrupt: UnsafeMutablePointer<Int>

    init(count: Int) {
        self.count = count
        slots = .harnessAllocate(capacity: count)
        slots.initialize(repeating: Slot(block: nil, size: 0), count: count)
        corrupt = .harnessAllocate(capacity: 1)
        corrupt.initialize(to: 0)
    }

    /// The setup phase: a random 32-bit mask per 32 slots, a block in each slot whose bit is set.
    func fill<W>(_ random: inout AllocTest.Random, _ driver: inout Driver<W>) {
        for group in 0..<count / 32 {
            let mask = random.next32()
            for bit in 0..<32 where mask >> bit & 1 == 1 { allocate(group * 32 + bit, &random, &driver) }
        }
    }

    /// A main-loop iteration on `slot`: read and free its block, or allocate and write one.
    @inline(__always)
    func toggle<W>(_ slot: Int, _ random: inout AllocTest.Random, _ driver: inout Driver<W>) {
        if slots[slot].block != nil { free(slot, &driver) } else { allocate(slot, &random, &driver) }
    }

    @inline(__always)
    private func allocate<W>(_ slot: Int, _ random: inout AllocTest.Random, _ driver: inout Driver<W>) {
        let size = AllocTest.size(random.next64(), exponent: AllocTest.sizeExponent)
        let block = driver.allocObject(size: size)
        if let block { driver.fill(block, count: size, with: UInt8(truncatingIfNeeded: size)) }
        slots[slot] = Slot(block: block, size: size)
    }

    @inline(__always)
    private func free<W>(_ slot: Int, _ driver: inout Driver<W>) {
        let (block, size) = (slots[slot].block.unsafelyUnwrapped, slots[slot].size)
        if MemoryTouch.sum(block, count: size) != Self.expectedSum(size) { corrupt.pointee += 1 }
        driver.noteTouched(size)
        driver.freeObject(block, size: size)
        slots[slot].block = nil
    }

    /// What `MemoryTouch.sum` gives for a block filled with its size's low byte.
    @inline(__always)
    static func expectedSum(_ size: Int) -> UInt {
        let byte = UInt(UInt8(truncatingIfNeeded: size)), wordSize = MemoryLayout<UInt>.size
        return UInt(size / wordSize) &* (byte &* 0x0101_0101_0101_0101) &+ UInt(size % wordSize) &* byte
    }

    /// The exit phase: reads and frees every block left; returns the corrupt blocks of the run.
    func freeAll<W>(_ driver: inout Driver<W>) -> Int {
        for slot in 0..<count where slots[slot].block != nil { free(slot, &driver) }
        return corrupt.pointee
    }

    func deallocate() {
        slots.harnessDeallocate()
        corrupt.harnessDeallocate()
    }
}
