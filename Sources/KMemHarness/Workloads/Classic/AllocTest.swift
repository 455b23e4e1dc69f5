/// `alloc-test`: OLogN's allocator tester, ported from mimalloc-bench's copy
/// (bench/alloc-test/allocator_tester.h, randomPos_RandomSize, built with BENCH=4; bench.sh
/// runs `alloc-test 1` and `alloc-test $procs`; its metric is the elapsed time).
///
/// Kept:
/// - The parameters main() sets: 2^18 slots over all threads (maxItems / threads each),
///   maxItemSizeExp 10, memory access `full`, seed 41 for every thread (so every thread draws
///   the same sequence).
/// - Sizes (calcSizeWithStatsAdjustment): 5..1024 bytes, half of them 5..8, a quarter 9..16,
///   and so on by powers of two.
/// - Setup: for each group of 32 slots one 32-bit random number; each set bit fills its slot
///   with a block of a random size, written whole (memset to the size's low byte).
/// - Main loop: per iteration two random numbers choose a slot by the Pareto 80/20 law over
///   slots (Pareto_80_20_6: a quarter of the choices fall on 0.0064% of the slots, ...); a
///   full slot has its block read whole (every word, then the tail bytes) and freed, an empty
///   one gets a new block of a random size, written whole. One iteration, one operation.
/// - Exit: every block left is read whole and freed.
/// Scaled: a round is one iteration; the original runs 100M per thread (and 32 reads of
/// /proc/self/statm, which the port leaves to the harness's sampler), the port until the
/// cell's duration ends.
/// Changed: the seed is the cell's (`--seed 41` draws exactly the original's sizes and slots;
/// seed 0, which stalls this PRNG, is taken as 41); the slot table (pointer and size, 16
/// bytes a slot as the original's) is the harness's memory, not allocated from the engine;
/// the read sums are compared with what was written, and a mismatch counts in the figure
/// `corrupt_blocks` (the original only sums them); at least 16384 slots per thread (fewer
/// leave a Pareto range empty).
public struct AllocTest: Workload {
    public static let info = WorkloadInfo(
        name: "alloc-test",
        pattern: "each thread holds items/threads slots, about half filled at start; per round two random numbers "
            + "pick a slot by a Pareto 80/20 law over slots: a full one is read whole and freed, an empty one gets "
            + "a block of 5..1024 B (power-of-two classes, small ones likeliest) written whole",
        models: "OLogN's alloc-test (randomPos_RandomSize, memory access 'full') as mimalloc-bench runs it",
        parameters: [items.schema])

    static let items = Parameter.integer("items", default: 1 << 18, Pareto.minimumSlots...(1 << 26),
                                         "maxItems: slots of all threads together (each thread: items/threads, at least 16384)")
    static let sizeExponent = 10
    static let originalSeed: UInt64 = 41

    let items: Int

    public init(_ values: ParameterValues) { items = values[Self.items] }

    public var requestKinds: RequestKinds { .objects }

    public func run<E: Engine>(on engine: E, _ context: WorkloadContext) {
        let slots = max(Pareto.minimumSlots, items / context.threads)
        let pareto = Pareto(slots: slots)
        let seed = context.options.seed == 0 ? Self.originalSeed : context.options.seed
        context.runThreads(engine) { _, driver in
            var random = Random(state: seed)
            let table = AllocTestSlots(count: slots)
            defer { table.deallocate() }
            table.fill(&random, &driver)
            var round = 0
            while driver.more(round) {
                let first = random.next32(), second = random.next32()
                table.toggle(pareto.slot(first, second), &random, &driver)
                round &+= 1
            }
            context.addFigures(["corrupt_blocks": Double(table.freeAll(&driver))])
        }
    }
}
