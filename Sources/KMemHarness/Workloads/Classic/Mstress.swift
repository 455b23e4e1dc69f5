/// `mstress`: a port of mimalloc's stress test, mimalloc-bench's bench/mstress/mstress.c (its
/// copy of mimalloc's test/test-stress.c), as bench.sh runs it: `mstress N 50 25` (N threads,
/// SCALE 50, ITER 25).
///
/// Kept, as the original does them:
/// - one iteration: the main thread starts threads 1..N-1 as new OS threads, runs thread 0's
///   share itself, joins them, then frees about half the transfer array (chance(50));
/// - thread t's share (stress): 100 x scale x (t % 8 + 1) allocations of 2^(0..4) words and
///   half as many retained ones of 2^(0..6) words, interleaved at random; one in 50 of either
///   is 100x larger, and (large objects allowed) of those one in 50 is 10000x, one in 9 of
///   the rest 1000x, up to 5 MB; 40 words become 41; each word i of an n-word block holds
///   (n - i) ^ cookie, written on allocation and every word checked on free;
/// - after each allocation, chance(66) frees a random earlier one and chance(25) swaps a
///   random one with a random slot of the 1000-entry transfer array (atomic exchange), so
///   blocks move between threads and survive into later iterations;
/// - the `data` array (grown by 100000 entries) and the `retained` array come from the
///   allocator under test and hold the block pointers, as in the original;
/// - the generator (splitmix64) and `chance(p)` as written (p + 1 in 100); each thread starts
///   every iteration from the same state, as the original's (t + 1) * 43 does.
///
/// Scaled or changed:
/// - iterations run for the cell's duration (a round is one iteration; `rounds` limits
///   them); the transfer array is emptied when the run ends, as the original's last
///   iteration does; bench.sh's 25 iterations take 30 to 100 ms on one thread here;
/// - the generators' states come from the cell's seed;
/// - the data array grows by allocate, copy and free where the original reallocs (its first
///   growth is a realloc of NULL, the only one below scale 125);
/// - free(NULL) of an already freed slot is skipped (the original calls free(NULL));
/// - a verification failure stops the cell with the block and word, where the original aborts.
/// A "remote" free is one of a block another OS thread allocated (each entry carries a tag).
///
/// The original's figure is the elapsed time of its iterations: `iterations_per_s`.
public struct Mstress: Workload {
    public static let info = WorkloadInfo(
        name: "mstress",
        pattern: "each iteration the main thread starts threads 1..N-1 anew; every thread allocates and retains "
            + "word-patterned blocks of 8..512 bytes (2% 100x, some 1000x and 10000x), frees random ones after "
            + "checking every word, and swaps random ones through a shared transfer array",
        models: "mimalloc-bench mstress (mimalloc's test-stress.c): cross-thread frees, thread exit, large blocks",
        parameters: [scale.schema, large.schema])

    static let scale = Parameter.integer("scale", default: 50, 1...10_000, "load per thread (SCALE)")
    static let large = Parameter.flag("large", default: true, "allow the 1000x and 10000x blocks")

    static let maxItemShift: UInt = 5, maxRetainedShift: UInt = 7
    static let dataGrowth = 100_000

    let scale: Int
    let large: Bool

    public init(_ values: ParameterValues) {
        scale = values[Self.scale]
        large = values[Self.large]
    }

    public var requestKinds: RequestKinds { .objects }

    public func run<E: Engine>(on engine: E, _ context: WorkloadContext) {
        let shared = MstressShared(threads: context.threads)
        let seeds = (0...context.threads).map { stream in
            var random = context.random(stream: stream)
            return UInt(random.next()) | 1 // splitmix from 0 stays 0
        }
        context.runThreads(engine) { [self] thread, driver in
            guard thread == 0 else {
                var iteration = 0
                while shared.awaitIteration(thread) {
                    // A tag per OS thread (16 bits; main is 0): which thread allocated a block.
                    let owner = 1 + (iteration * context.threads + thread) % 0xFFFF
                    context.onNewThread(engine, cpu: thread, &driver) { stress(thread, seeds[thread], owner, shared, &$0) }
                    shared.finishedIteration()
                    iteration &+= 1
                }
                return
            }
            var state = seeds[context.threads]
            var round = 0
            while driver.more(round) {
                shared.startIteration()
                stress(0, seeds[0], 0, shared, &driver)
                shared.waitForOthers()
                sweep(shared, everything: false, &state, &driver)
                round &+= 1
            }
            shared.finish()
            sweep(shared, everything: true, &state, &driver)
            context.addFigures(["iterations": Double(round)])
        }
        context.addFigures(["iterations_per_s": context.figures["iterations", default: 0] / context.seconds])
    }

    /// stress(tid): one thread's share of an iteration.
    private func stress<W>(_ thread: Int, _ seed: UInt, _ owner: Int, _ shared: MstressShared, _ driver: inout Driver<W>) {
        var state = seed
        var allocs = 100 * scale * (thread % 8 + 1)
        var retain = allocs / 2
        var data = DataArray()
        let retainedBytes = retain * MemoryLayout<UInt>.size
        // The original would crash on NULL here; a failure (kmem out of memory) is counted, and
        // the thread's share of this iteration is skipped.
        guard let retained = driver.allocObject(size: retainedBytes)?.assumingMemoryBound(to: UInt.self) else { return }
        var retainTop = 0
        while allocs > 0 || retain > 0 {
            // The other threads loop on iterations, not on rounds: each step follows the window.
            driver.notePhase()
            if retain == 0 || (MstressItems.chance(50, &state) && allocs > 0) {
                allocs -= 1
                // A data array the allocator cannot grow (counted as a failure) skips this block.
                if data.top >= data.size && !data.grow(&driver) { continue }
                let items = 1 << Int(MstressItems.pick(&state) % Self.maxItemShift)
                data[data.top] = MstressShared.tagged(MstressItems.allocate(items, large: large, &state, &driver),
                                                      owner: owner)
                data.top += 1
            } else {
                let items = 1 << Int(MstressItems.pick(&state) % Self.maxRetainedShift)
                retained[retainTop] = MstressShared.tagged(MstressItems.allocate(items, large: large, &state, &driver),
                                                           owner: owner)
                retainTop += 1
                retain -= 1
            }
            if MstressItems.chance(66, &state) && data.top > 0 {
                let index = Int(MstressItems.pick(&state) % UInt(data.top))
                free(data[index], owner, &driver)
                data[index] = 0
            }
            if MstressItems.chance(25, &state) && data.top > 0 {
                let index = Int(MstressItems.pick(&state) % UInt(data.top))
                let slot = Int(MstressItems.pick(&state) % UInt(MstressShared.transfers))
                data[index] = shared.transfer[slot].exchange(data[index], ordering: .acquiringAndReleasing)
            }
        }
        for index in 0..<retainTop { free(retained[index], owner, &driver) }
        for index in 0..<data.top { free(data[index], owner, &driver) }
        driver.freeObject(retained, size: retainedBytes)
        data.release(&driver)
    }

    /// The main thread's pass over the transfer array after an iteration: frees each entry
    /// with chance(50), or all of them after the last iteration.
    private func sweep<W>(_ shared: MstressShared, everything: Bool, _ state: inout UInt, _ driver: inout Driver<W>) {
        for slot in 0..<MstressShared.transfers where everything || MstressItems.chance(50, &state) {
            free(shared.transfer[slot].exchange(0, ordering: .acquiringAndReleasing), 0, &driver)
        }
    }

    @inline(__always)
    private func free<W>(_ entry: UInt, _ owner: Int, _ driver: inout Driver<W>) {
        guard let block = MstressShared.block(entry) else { return }
        MstressItems.free(block, remote: MstressShared.owner(entry) != owner, &driver)
    }

    /// stress's `data`: tagged block pointers in memory from the allocator under test.
    private struct DataArray {
        private var entries: UnsafeMutablePointer<UInt>?
        var size = 0, top = 0

        subscript(index: Int) -> UInt {
            get { entries.unsafelyUnwrapped[index] }
            nonmutating set { entries.unsafelyUnwrapped[index] = newValue }
        }

        mutating func grow<W>(_ driver: inout Driver<W>) -> Bool {
            let bytes = (size + Mstress.dataGrowth) * MemoryLayout<UInt>.size
            guard let grown = driver.allocObject(size: bytes)?.assumingMemoryBound(to: UInt.self) else { return false }
            if let entries {
                grown.update(from: entries, count: top)
                release(&driver)
            }
            entries = grown
            size += Mstress.dataGrowth
            return true
        }

        func release<W>(_ driver: inout Driver<W>) {
            if let entries { driver.freeObject(UnsafeMutableRawPointer(entries), size: size * MemoryLayout<UInt>.size) }
        }
    }
}
