/// The loop behind the random-replacement workloads (glibc-thread, alloc-test, page-churn):
/// each thread fills `slots` blocks with sizes from a distribution, then each round frees the
/// block in a random slot and allocates a new one there. The workloads differ in the size
/// distribution.
struct SlotChurn: Sendable {
    let kind: BlockKind
    let distribution: SizeDistribution
    let slots: Int

    func run<E: Engine>(on engine: E, _ context: WorkloadContext) {
        context.runThreads(engine) { thread, driver in
            var random = context.random(stream: thread)
            let sizes = SizeTable(distribution, random: &random)
            let held = BlockArray(count: slots)
            defer {
                sizes.deallocate()
                held.deallocate()
            }
            for slot in 0..<slots { refill(slot, held, sizes, &random, &driver) }
            var round = 0
            while driver.more(round) {
                let slot = random.below(slots)
                if let block = held.blocks[slot] { driver.free(kind, block, held.amounts[slot]) }
                refill(slot, held, sizes, &random, &driver)
                round &+= 1
            }
            held.freeAll(&driver, kind: kind)
        }
    }

    @inline(__always)
    private func refill<W>(_ slot: Int, _ held: BlockArray, _ sizes: SizeTable, _ random: inout Random,
                           _ driver: inout Driver<W>) {
        let amount = sizes.draw(&random)
        held[slot] = (driver.allocate(kind, amount), amount)
    }
}
