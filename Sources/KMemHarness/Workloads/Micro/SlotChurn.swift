import Synchronization

/// The loop behind the random-replacement workloads (larson, glibc-thread, alloc-test,
/// mstress, page-churn): each thread fills `slots` blocks with sizes from a distribution,
/// then each round frees the block in a random slot and allocates a new one there. The
/// workloads differ in the size distribution and in how blocks move between threads.
struct SlotChurn: Sendable {
    enum Exchange: Sendable, Equatable {
        case none
        /// Every `rounds` rounds a thread swaps its whole pool with a mailbox (larson's
        /// threads inheriting their predecessor's chunks).
        case pools(rounds: Int)
        /// One round in `oneIn` swaps the slot's block with a shared board (mstress).
        case objects(oneIn: Int)
    }

    let kind: BlockKind
    let distribution: SizeDistribution
    let slots: Int
    var exchange = Exchange.none
    /// Share of slots holding long-lived blocks, replaced 64 times less often.
    var longLivedShare = 0.0

    func run<E: Engine>(on engine: E, _ context: WorkloadContext) {
        let shared = SlotChurnShared(threads: context.threads, slots: slots)
        context.runThreads(engine) { thread, driver in
            var random = context.random(stream: thread)
            let sizes = SizeTable(distribution, random: &random)
            defer { sizes.deallocate() }
            var pool = thread
            for slot in 0..<slots { refill(slot, shared.pools[pool], sizes, &random, &driver, me: thread) }
            let longSlots = Int(Double(slots) * longLivedShare)
            var round = 0
            while driver.more(round) {
                var slot = random.below(slots)
                if slot < longSlots && random.below(64) != 0 { slot = longSlots + random.below(slots - longSlots) }
                let held = shared.pools[pool]
                if case .objects(let oneIn) = exchange, random.below(oneIn) == 0 {
                    shared.swapWithBoard(held, slot: slot, boardSlot: random.below(SlotChurnShared.boardSlots))
                }
                if let block = held.blocks[slot] {
                    driver.free(kind, block, held.amounts[slot], remote: held.owners[slot] != thread)
                }
                refill(slot, held, sizes, &random, &driver, me: thread)
                round &+= 1
                if case .pools(let every) = exchange, round % every == 0 { pool = shared.swapPool(pool) }
            }
            shared.pools[pool].freeAll(&driver, kind: kind, me: thread)
            if shared.finishIsLast() { shared.freeLeftovers(&driver, kind: kind, me: thread) }
        }
        shared.deallocate()
    }

    @inline(__always)
    private func refill<W>(_ slot: Int, _ held: BlockArray, _ sizes: SizeTable, _ random: inout Random,
                           _ driver: inout Driver<W>, me: Int) {
        let amount = sizes.draw(&random)
        held[slot] = (driver.allocate(kind, amount), amount)
        held.owners[slot] = me
    }
}

/// What SlotChurn's threads share: one pool per thread plus one in the mailbox, the mailbox,
/// and the exchange board.
final class SlotChurnShared: @unchecked Sendable {
    // Sendable: a pool belongs to the thread holding its index, handed over only through the
    // mailbox's atomic exchange; board slots are atomic; leftovers are freed by the thread
    // that finishes last, when no other thread touches them.
    static let boardSlots = 16
    let pools: [BlockArray]
    private let mailbox: Atomic<Int>
    private let finished = Atomic<Int>(0)
    private let threads: Int
    private let board: UnsafeMutablePointer<Atomic<WordPair>>

    init(threads: Int, slots: Int) {
        self.threads = threads
        pools = (0...threads).map { _ in BlockArray(count: slots) }
        mailbox = Atomic(threads)
        board = .harnessAllocate(capacity: Self.boardSlots)
        for index in 0..<Self.boardSlots { (board + index).initialize(to: Atomic(WordPair(first: 0, second: 0))) }
    }

    func swapPool(_ pool: Int) -> Int { mailbox.exchange(pool, ordering: .acquiringAndReleasing) }

    /// Puts the slot's block on the board and takes what was there (possibly nothing).
    func swapWithBoard(_ held: BlockArray, slot: Int, boardSlot: Int) {
        let mine = WordPair(first: UInt(bitPattern: held.blocks[slot]), second: UInt(held.amounts[slot]) | UInt(held.owners[slot]) << 48)
        let theirs = board[boardSlot].exchange(mine, ordering: .acquiringAndReleasing)
        held[slot] = (UnsafeMutableRawPointer(bitPattern: theirs.first), Int(theirs.second & (1 << 48 - 1)))
        held.owners[slot] = Int(theirs.second >> 48)
    }

    func finishIsLast() -> Bool { finished.wrappingAdd(1, ordering: .acquiringAndReleasing).newValue == threads }

    func freeLeftovers<W>(_ driver: inout Driver<W>, kind: BlockKind, me: Int) {
        pools[mailbox.load(ordering: .acquiring)].freeAll(&driver, kind: kind, me: me)
        for index in 0..<Self.boardSlots {
            let entry = board[index].exchange(WordPair(first: 0, second: 0), ordering: .acquiringAndReleasing)
            if let block = UnsafeMutableRawPointer(bitPattern: entry.first) {
                driver.free(kind, block, Int(entry.second & (1 << 48 - 1)), remote: Int(entry.second >> 48) != me)
            }
        }
    }

    func deallocate() {
        pools.forEach { $0.deallocate() }
        board.deinitialize(count: Self.boardSlots)
        board.harnessDeallocate()
    }
}
