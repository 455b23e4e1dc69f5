import KMem
import Synchronization

/// `larson`: a port of Paul Larson's server simulation, mimalloc-bench's bench/larson/larson.cpp
/// (built with CPP=1: new[]/delete[]), as bench.sh runs it: `larson 5 8 1000 5000 100 4141 N`
/// (5 s, chunks of 8..1000 bytes, 5000 chunks per thread, 100 rounds, seed 4141, N threads).
///
/// Kept, as the original does them:
/// - warm-up (untimed): one thread (the original's main; here the runner, as model CPU 0)
///   allocates threads x chunks blocks, shuffles them with a random permutation, replaces
///   4 x that many at random, and deals each thread a slice of chunks blocks;
/// - each thread, rounds x chunks times, frees a random block of its slice (lran2 % chunks),
///   allocates min + lran2 % (max - min) bytes in its place, writes 'a' to byte 0, reads
///   byte 0 back, writes 'b' to byte 1;
/// - thread turnover: after rounds x chunks replacements the thread exits and a new OS thread
///   takes over its slice and its generator; at any thread count the first frees of each
///   thread are of blocks another thread allocated (the warm-up's, then its predecessor's);
/// - sizes and victims from Gloger's lran2 (its cost is part of the loop's), each thread seeded
///   from the warm-up generator as the original does.
///
/// Scaled or changed:
/// - the run lasts the cell's duration (or `rounds` replacements per thread); the original's
///   5 s sleep plus the wait for its threads is that duration;
/// - the generator is seeded from the cell's seed, not 4141, so repetitions differ;
/// - the successor is created by a supervisor thread that waits for the predecessor to exit
///   (`onNewThread`), not by the predecessor itself before it exits: both have one thread
///   exit and one creation per lifetime; on kmem the new thread runs as the same model CPU;
/// - frees are sized (as larson-sized does: the harness's free passes the size);
/// - the slices' blocks are freed when the run ends (counted; the original exits with them);
/// - the warm-up's operations are counted in the cell's (untimed; < 0.5% of a 1 s cell).
/// A "remote" free here is one of a block another OS thread allocated.
///
/// The original's figure is allocations per second: `allocs_per_s` (the cell's operations per
/// second count the frees too, about twice that).
public struct Larson: Workload {
    public static let info = WorkloadInfo(
        name: "larson",
        pattern: "each thread replaces a random block of its chunks (sizes uniform in min..<max) and writes two bytes "
            + "into the new one; after rounds x chunks replacements the thread exits and a new OS thread inherits "
            + "its blocks, so every thread frees blocks its predecessor allocated",
        models: "mimalloc-bench larson (larson.cpp: a server whose worker threads come and go)",
        parameters: [smallest.schema, largest.schema, chunks.schema, lifetimeRounds.schema])

    static let smallest = Parameter.bytes("min", default: "8", 2...(1 << 20), "smallest chunk")
    static let largest = Parameter.bytes("max", default: "1000", 2...(1 << 20), "largest chunk (exclusive)")
    static let chunks = Parameter.integer("chunks", default: 5000, 1...1_000_000, "chunks per thread")
    static let lifetimeRounds = Parameter.integer("rounds", default: 100, 1...1_000_000,
        "a thread exits after rounds x chunks replacements")

    let smallest: Int
    let range: Int
    let chunks: Int
    let lifetime: Int

    public init(_ values: ParameterValues) {
        smallest = values[Self.smallest]
        range = max(0, values[Self.largest] - smallest)
        chunks = values[Self.chunks]
        lifetime = values[Self.lifetimeRounds] * chunks
    }

    public var requestKinds: RequestKinds { .objects }

    public func run<E: Engine>(on engine: E, _ context: WorkloadContext) {
        let threads = context.threads
        // Unchecked: after the warm-up each thread touches only its own slice.
        nonisolated(unsafe) let blocks = BlockArray(count: threads * chunks)
        defer { blocks.deallocate() }
        let (seeds, warmUpAllocations) = warmUp(blocks, engine, context)
        context.runThreads(engine) { [self] thread, driver in
            var random = Lran2(seed: seeds[thread])
            let slice = thread * chunks
            var generation = 0, round = 0
            while driver.more(round) {
                // exercise_heap: one lifetime per new OS thread.
                context.onNewThread(engine, cpu: thread, &driver) { driver in
                    for _ in 0..<lifetime {
                        guard driver.more(round) else { break }
                        replace(slice + random.next() % chunks, blocks, &random, &driver, generation: generation)
                        round &+= 1
                    }
                }
                generation &+= 1
            }
            for index in slice..<slice + chunks {
                if let block = blocks.blocks[index] { driver.freeObject(block, size: blocks.amounts[index], remote: true) }
            }
        }
        let allocations = context.collected.withLock { $0.counters.allocations } - warmUpAllocations
        context.addFigures(["allocs_per_s": Double(allocations) / context.seconds])
    }

    /// The original's warm-up (it writes nothing), on one thread before the clock starts:
    /// returns each thread's seed and the allocations it made.
    private func warmUp<E: Engine>(_ blocks: BlockArray, _ engine: E, _ context: WorkloadContext)
        -> (seeds: [Int], allocations: Int) {
        var seeding = context.random(stream: 0)
        var random = Lran2(seed: seeding.below(Lran2.maximum))
        var driver = context.makeSideDriver(engine, cpu: 0, index: 0)
        let count = blocks.count, mainThread = -1
        CPU.withCPU(0) {
            for index in 0..<count { allocate(index, blocks, &random, &driver, generation: mainThread, touch: false) }
            for remaining in stride(from: count, to: 0, by: -1) {
                let victim = random.next() % remaining
                let moved = blocks[victim] // every owner is the warm-up's: only blocks and sizes move
                blocks[victim] = blocks[remaining - 1]
                blocks[remaining - 1] = moved
            }
            for _ in 0..<4 * count {
                replace(random.next() % count, blocks, &random, &driver, generation: mainThread, touch: false)
            }
        }
        // What collect adds to the cell's counts (nothing in a timed cell: this is setup).
        let allocations = driver.windowCounters.allocations
        context.collect(engine, &driver)
        return ((0..<context.threads).map { _ in random.next() }, allocations)
    }

    /// Frees the block at `index` and allocates its replacement. `generation` names the thread
    /// lifetime doing it: a block from another lifetime (or the warm-up) is a remote free.
    @inline(__always)
    private func replace<W>(_ index: Int, _ blocks: BlockArray, _ random: inout Lran2, _ driver: inout Driver<W>,
                            generation: Int, touch: Bool = true) {
        if let block = blocks.blocks[index] {
            driver.freeObject(block, size: blocks.amounts[index], remote: blocks.owners[index] != generation)
        }
        allocate(index, blocks, &random, &driver, generation: generation, touch: touch)
    }

    @inline(__always)
    private func allocate<W>(_ index: Int, _ blocks: BlockArray, _ random: inout Lran2, _ driver: inout Driver<W>,
                             generation: Int, touch: Bool = true) {
        let size = range == 0 ? smallest : smallest + random.next() % range
        let block = driver.allocObject(size: size)
        blocks[index] = (block, size)
        blocks.owners[index] = generation
        if touch, let block {
            Self.touch(block)
            driver.noteTouched(3)
        }
    }

    /// "Write something!": the original's volatile store of 'a', load of it and store of 'b'.
    /// Relaxed atomics are plain byte moves the optimizer keeps, as volatile ones are.
    @inline(__always)
    static func touch(_ block: UnsafeMutableRawPointer) {
        let bytes = block.assumingMemoryBound(to: Atomic<UInt8>.self)
        bytes[0].store(UInt8(ascii: "a"), ordering: .relaxed)
        _ = bytes[0].load(ordering: .relaxed)
        bytes[1].store(UInt8(ascii: "b"), ordering: .relaxed)
    }
}
