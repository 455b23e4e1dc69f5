import Foundation

/// `glibc-thread`: glibc's benchtests/bench-malloc-thread.c, ported from the copy in
/// mimalloc-bench (bench/glibc-bench/bench-malloc-thread.c; bench.sh runs `glibc-thread
/// $procs` and takes the iteration count as its metric).
///
/// Kept from malloc_benchmark_loop():
/// - The tables, shared by every thread: 8000 block sizes drawn once from an inverse-square
///   distribution on 4..32768 bytes (get_block_size, in float arithmetic as the original) and
///   4096 slot numbers uniform in 0..<1024; each thread walks both from their second entry
///   (the state is incremented before it is read), wrapping at the end, so every thread makes
///   the same sequence of requests.
/// - The working set: 1024 slots per thread, empty at start (the original frees NULL for
///   an empty slot; the port skips that call).
/// - Per iteration: free the slot's block, malloc the next size into it, then write every
///   byte, `p[i] = (char)i` (gcc -O2 compiles it to one byte store per byte; so does the port).
///   Nothing is read.
/// - The metric: iterations (one free and one malloc each) in the run, over all threads.
/// Changed: the tables' random numbers come from glibc's rand() algorithm (random_r, TYPE_3)
/// seeded with the cell's seed, where the original never calls srand (seed 1): `--seed 1`
/// gives exactly the original's tables, another seed another draw from the same
/// distributions. A round is one iteration; the original runs 2 s (alarm), the port the cell's
/// duration. At the end the port frees its working set (the original exits with it).
public struct GlibcThread: Workload {
    public static let info = WorkloadInfo(
        name: "glibc-thread",
        pattern: "each thread walks a table of 8000 sizes (inverse square, 4 B..32 KiB) and one of 4096 slot numbers "
            + "(0..<1024): per round it frees the slot's block, allocates the next size there and writes every byte",
        models: "glibc's benchtests/bench-malloc-thread as mimalloc-bench runs it (bench/glibc-bench)",
        parameters: [])

    static let workingSet = 1024
    static let sizeCount = 8000
    static let slotCount = workingSet * 4
    static let smallest: Float = 4
    static let largest: Float = 32768

    public init(_ values: ParameterValues) {}

    public var requestKinds: RequestKinds { .objects }

    public func run<E: Engine>(on engine: E, _ context: WorkloadContext) {
        let tables = GlibcThreadTables(seed: context.options.seed)
        context.runThreads(engine) { _, driver in
            let held = BlockArray(count: Self.workingSet)
            defer { held.deallocate() }
            var round = 0, sizeState = 0, slotState = 0
            while driver.more(round) {
                slotState = slotState >= Self.slotCount - 1 ? 0 : slotState + 1
                sizeState = sizeState >= Self.sizeCount - 1 ? 0 : sizeState + 1
                let slot = tables.slots[slotState], size = tables.sizes[sizeState]
                if let block = held.blocks[slot] { driver.freeObject(block, size: held.amounts[slot]) }
                let block = driver.allocObject(size: size)
                if let block {
                    MemoryTouch.storeIndexBytes(block, count: size)
                    driver.noteTouched(size)
                }
                held[slot] = (block, size)
                round &+= 1
            }
            held.freeAll(&driver, kind: .objects)
        }
        tables.deallocate()
    }

    /// get_block_size(): the inverse-square draw, in float as the original computes it.
    static func blockSize(_ random: Int32) -> Int {
        let minPow = 1 / smallest, maxPow = 1 / largest
        let r = Float(random) / Float(Int32.max)
        return Int(powf((maxPow - minPow) * r + minPow, -1))
    }
}

/// The two tables init_random_values() fills, in rand() order: all sizes, then all slots.
struct GlibcThreadTables: @unchecked Sendable {
    // Sendable: written once before the threads start, only read after.
    let sizes: UnsafeMutablePointer<Int>
    let slots: UnsafeMutablePointer<Int>

    init(seed: UInt64) {
        var rand = GlibcRand(seed: UInt32(truncatingIfNeeded: seed))
        sizes = .harnessAllocate(capacity: GlibcThread.sizeCount)
        slots = .harnessAllocate(capacity: GlibcThread.slotCount)
        for index in 0..<GlibcThread.sizeCount { sizes[index] = GlibcThread.blockSize(rand.next()) }
        for index in 0..<GlibcThread.slotCount { slots[index] = Int(rand.next()) % GlibcThread.workingSet }
    }

    func deallocate() {
        sizes.harnessDeallocate()
        slots.harnessDeallocate()
    }
}
