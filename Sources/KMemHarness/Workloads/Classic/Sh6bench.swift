/// `sh6bench`: MicroQuill's SmartHeap benchmark, ported from sh6bench.c as mimalloc-bench
/// patches it (bench/shbench/sh6bench.patch, built with BENCH=1 SYS_MULTI_THREAD=1; bench.sh
/// runs `sh6bench $((2 * procs))`; under BENCH every prompt takes its default).
///
/// Kept from doBench():
/// - The size walk: size_base = 1, 2, 4, 7, 11 ... (`* 3 / 2 + 1`) while below max (1000);
///   for each, size = size_base, /2, /4 ... 1, each allocated 250 times in a row below 100 B,
///   50 times below 1000 B, 10 below 10000 B, else once: 19,300 allocations per repeat of 1
///   to 709 bytes, in that fixed order (nothing is random).
/// - The buffer: calls / threads slots per thread (ulCallCount = 10000 divided by the thread
///   count, as the original divides it). When the buffer is full, the kept window of slots /
///   5 slots moves up one fifth (back to slot 0 after the top), everything below it is freed
///   in allocation order and everything above it newest first; the window's blocks survive
///   into the next cycle, whose allocations skip it.
/// - What the original loses: when the window restarts at slot 0, the next cycle's first
///   allocations overwrite its pointers (the skip test comes after the increment, so it never
///   fires at slot 0): one cycle in five loses slots / 5 blocks, about 1 allocation in 20.
///   The port keeps those blocks allocated as the original does (so the heap grows as it
///   does) and frees them only after its loop, with what is still held (the original never
///   frees them); `lost_blocks` in the figures counts them.
/// - The writes: the patch's `p[0] = 0; p[size-1] = 0` after every malloc. Nothing is read.
/// - Per-thread independence: each thread has its own buffer; no block changes thread.
///
/// Scaled: a round is one repeat; the original runs calls / threads repeats per thread (a
/// fixed total of calls x 19,300 allocations) and reports elapsed time; the port repeats
/// until the cell's duration ends and reports operations per second.
/// Changed: an allocation failure counts as one and leaves the slot empty (the original exits).
public struct Sh6bench: Workload {
    public static let info = WorkloadInfo(
        name: "sh6bench",
        pattern: "each thread allocates 19,300 blocks per round in sh6bench's fixed size walk (1..709 B, small ones "
            + "250 times in a row), writing each block's first and last byte, into a buffer of calls/threads slots; "
            + "each time the buffer fills it frees the part below a kept window (one fifth) oldest first and the "
            + "part above it newest first, and the window's blocks survive the cycle",
        models: "MicroQuill's SmartHeap benchmark sh6bench as mimalloc-bench runs it (bench/shbench)",
        parameters: [calls.schema, largest.schema])

    static let calls = Parameter.integer("calls", default: 10000, 5...10_000_000,
                                         "ulCallCount: slots of all threads' buffers together (each thread: calls/threads, at least 5)")
    static let largest = Parameter.integer("max", default: 1000, 2...(1 << 20), "uMaxBlockSize: the size walk's bound")

    let calls: Int
    let walk: [SizeRun]

    public init(_ values: ParameterValues) {
        calls = values[Self.calls]
        walk = Self.sizeWalk(below: values[Self.largest])
    }

    public var requestKinds: RequestKinds { .objects }

    /// Allocations one round makes.
    var allocationsPerRound: Int { walk.reduce(0) { $0 + $1.count } }

    public func run<E: Engine>(on engine: E, _ context: WorkloadContext) {
        let slots = max(5, calls / context.threads)
        context.runThreads(engine) { [walk] _, driver in
            var buffer = Sh6benchBuffer(slots: slots)
            defer { buffer.deallocate() }
            var round = 0
            walk.withUnsafeBufferPointer { walk in
                while driver.more(round) {
                    for run in walk {
                        for _ in 0..<run.count { buffer.allocate(size: run.size, &driver) }
                    }
                    round &+= 1
                }
            }
            let lost = buffer.freeEverything(&driver)
            context.addFigures(["lost_blocks": Double(lost)])
        }
    }

    /// Sizes in the order doBench allocates them, each with its repeat count.
    struct SizeRun {
        let size: Int
        let count: Int
    }

    static func sizeWalk(below largest: Int) -> [SizeRun] {
        var walk: [SizeRun] = []
        var base = 1
        while base < largest {
            var size = base
            while size > 0 {
                let count = size < 100 ? 250 : size < 1000 ? 50 : size < 10000 ? 10 : 1
                walk.append(SizeRun(size: size, count: count))
                size /= 2
            }
            base = base * 3 / 2 + 1
        }
        return walk
    }
}
