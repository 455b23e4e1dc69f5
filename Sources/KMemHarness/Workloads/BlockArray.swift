/// A thread's own array of blocks and their amounts (sizes or orders), pointer-addressed so
/// the loops that fill and empty it touch no ARC. Slots hold nil when empty.
public struct BlockArray {
    public let count: Int
    @usableFromInline let blocks: UnsafeMutablePointer<UnsafeMutableRawPointer?>
    @usableFromInline let amounts: UnsafeMutablePointer<Int>
    /// The thread (or context) that allocated each block, for counting remote frees.
    @usableFromInline let owners: UnsafeMutablePointer<Int>

    public init(count: Int) {
        self.count = count
        blocks = .harnessAllocate(capacity: count)
        blocks.initialize(repeating: nil, count: count)
        amounts = .harnessAllocate(capacity: count)
        amounts.initialize(repeating: 0, count: count)
        owners = .harnessAllocate(capacity: count)
        owners.initialize(repeating: 0, count: count)
    }

    @inlinable
    public subscript(index: Int) -> (block: UnsafeMutableRawPointer?, amount: Int) {
        get { (blocks[index], amounts[index]) }
        nonmutating set {
            blocks[index] = newValue.block
            amounts[index] = newValue.amount
        }
    }

    /// Frees every block still held (at the end of a thread's run) as thread `me`.
    public func freeAll<W: EngineWorker>(_ driver: inout Driver<W>, kind: BlockKind, me: Int = 0) {
        for index in 0..<count {
            if let block = blocks[index] { driver.free(kind, block, amounts[index], remote: owners[index] != me) }
            blocks[index] = nil
        }
    }

    public func deallocate() {
        blocks.harnessDeallocate()
        amounts.harnessDeallocate()
        owners.harnessDeallocate()
    }
}
