import KMem
import Synchronization

/// `cache-thrash` and `cache-scratch`: Hoard's false-sharing tests, ported from mimalloc-bench's
/// copies (bench/cache-thrash/cache-thrash.cpp, bench/cache-scratch/cache-scratch.cpp; bench.sh
/// runs `cache-thrash 1 1000 1 2000000 $procs` and `cache-thrash $procs 1000 1 2000000 $procs`,
/// the same for cache-scratch; the metric is the elapsed time). One type, two registry entries:
/// they differ only in the hand-over at start.
///
/// Kept from worker():
/// - Per iteration: allocate an object of size bytes (1), then repetitions / threads times
///   (2,000,000 / threads) for every byte k: `obj[k] = (char)k; volatile char ch = obj[k];
///   ch++;` (a store and a load into the object, a store, load and store into the thread's
///   own `ch`), then free it.
/// - cache-scratch's hand-over: before the workers start, one context that is not a worker
///   (the original's main thread) allocates one object per thread; each worker frees the one
///   it was given (a free by another thread than the allocating one) before its loop, so an
///   allocator that reuses that memory for the worker's own objects puts different threads'
///   objects on one cache line.
/// Scaled: a round is one iteration; the original runs 1000, the port until the cell's
/// duration ends (about as many at the defaults).
/// Changed: the source's object accesses are kept. gcc -O2 and -O3 compile the original's
/// away (the object is dead after the loop and the volatile `ch` takes the value just
/// stored; cache-thrash even drops the new/delete pair), so the binaries mimalloc-bench
/// builds with gcc write nothing into their objects; the port makes the accesses the source
/// spells out, relaxed atomics the optimizer must keep. After each round the thread checks its
/// `ch` holds the last byte's value plus one; a mismatch counts in `corrupt_reads`. Added: the
/// figure `shared_line_rounds` counts rounds whose object shared a cache line with another
/// thread's current object (the cause of false sharing, seen whether or not the machine shows
/// its cost).
public struct FalseSharing: Workload {
    static let size = Parameter.bytes("size", default: "1", 1...(1 << 20), "objSize: object size")
    static let repetitions = Parameter.integer("repetitions", default: 2_000_000, 1...Int(Int32.max),
                                               "passes over the object per iteration, in all threads together (each: repetitions/threads)")
    static let parameters = [size.schema, repetitions.schema]

    public static let info = WorkloadInfo(
        name: "cache-thrash",
        pattern: "each thread per round allocates an object of size bytes, writes and reads back each of its bytes "
            + "repetitions/threads times, and frees it",
        models: "active false sharing: an allocator that gives neighbouring bytes to different threads makes "
            + "their writes fight over a cache line (Hoard's cache-thrash as mimalloc-bench runs it)",
        parameters: parameters)

    /// The passive variant as its own workload type for the registry.
    public struct Scratch: Workload {
        public static let info = WorkloadInfo(
            name: "cache-scratch",
            pattern: "a non-worker context allocates one object per thread and hands each over; every thread frees the "
                + "object it was given, then per round allocates an object, writes and reads back each of its bytes "
                + "repetitions/threads times, and frees it",
            models: "passive false sharing: memory freed by one thread reused for another's objects on a line both "
                + "write (Hoard's cache-scratch as mimalloc-bench runs it)",
            parameters: FalseSharing.parameters)

        let base: FalseSharing
        public init(_ values: ParameterValues) { base = FalseSharing(values, passive: true) }
        public var requestKinds: RequestKinds { .objects }
        public func run<E: Engine>(on engine: E, _ context: WorkloadContext) { base.run(on: engine, context) }
    }

    let size: Int
    let repetitions: Int
    let passive: Bool

    public init(_ values: ParameterValues) { self.init(values, passive: false) }

    init(_ values: ParameterValues, passive: Bool) {
        size = values[Self.size]
        repetitions = values[Self.repetitions]
        self.passive = passive
    }

    public var requestKinds: RequestKinds { .objects }

    public func run<E: Engine>(on engine: E, _ context: WorkloadContext) {
        let handed = passive ? handOver(engine, context) : nil
        let passes = repetitions / context.threads
        let lines = CacheLineBoard(threads: context.threads)
        context.runThreads(engine) { [size] thread, driver in
            if let handed, let object = UnsafeMutableRawPointer(bitPattern: handed[thread]) {
                driver.freeObject(object, size: size, remote: true)
            }
            // The original's `volatile char ch`: harness memory, on a line of its own.
            let ch = UnsafeMutableRawPointer(UnsafeMutablePointer<UInt8>.harnessAllocate(capacity: 64))
            defer { ch.assumingMemoryBound(to: UInt8.self).harnessDeallocate() }
            var round = 0, corrupt = 0, shared = 0
            while driver.more(round) {
                if let object = driver.allocObject(size: size) {
                    if lines.publish(object, size: size, thread: thread) { shared += 1 }
                    Self.writeAndRead(object, size: size, passes: passes, ch: ch)
                    driver.noteTouched(2 * size * passes)
                    if passes > 0 && MemoryTouch.load(ch, at: 0) != UInt8(truncatingIfNeeded: size) { corrupt += 1 }
                    lines.withdraw(thread: thread)
                    driver.freeObject(object, size: size)
                }
                round &+= 1
            }
            context.addFigures(["corrupt_reads": Double(corrupt), "shared_line_rounds": Double(shared)])
        }
    }

    /// The original's main thread: one object per worker, allocated before they start by a
    /// context of its own (model CPU `threads`). Their addresses (0 for a failed allocation).
    private func handOver<E: Engine>(_ engine: E, _ context: WorkloadContext) -> [UInt] {
        CPU.withCPU(context.threads) {
            var main = context.makeSideDriver(engine, cpu: context.threads, index: 0)
            let objects = (0..<context.threads).map { _ in UInt(bitPattern: main.allocObject(size: size)) }
            context.collect(engine, &main)
            return objects
        }
    }

    /// worker()'s inner loops: `obj[k] = (char)k; volatile char ch = obj[k]; ch++;`.
    @inline(__always)
    static func writeAndRead(_ object: UnsafeMutableRawPointer, size: Int, passes: Int,
                             ch: UnsafeMutableRawPointer) {
        for _ in 0..<passes {
            for k in 0..<size {
                MemoryTouch.store(object, at: k, UInt8(truncatingIfNeeded: k))
                MemoryTouch.store(ch, at: 0, MemoryTouch.load(object, at: k))
                MemoryTouch.store(ch, at: 0, MemoryTouch.load(ch, at: 0) &+ 1)
            }
        }
    }
}

/// Each thread's current object's cache lines, so a thread can tell that an allocator put its
/// object on a line another thread is writing.
final class CacheLineBoard: @unchecked Sendable {
    // Sendable: each slot is an atomic pair of line numbers, written only by its thread.
    private let slots: UnsafeMutablePointer<Atomic<WordPair>>
    private let threads: Int

    init(threads: Int) {
        self.threads = threads
        slots = .harnessAllocate(capacity: threads)
        for index in 0..<threads { (slots + index).initialize(to: Atomic(WordPair(first: 0, second: 0))) }
    }

    deinit {
        slots.deinitialize(count: threads)
        slots.harnessDeallocate()
    }

    /// Publishes the lines `object` spans as `thread`'s; whether another thread's current
    /// object spans one of them.
    func publish(_ object: UnsafeMutableRawPointer, size: Int, thread: Int) -> Bool {
        let first = UInt(bitPattern: object) >> 6, last = (UInt(bitPattern: object) + UInt(size) - 1) >> 6
        slots[thread].store(WordPair(first: first, second: last), ordering: .sequentiallyConsistent)
        for other in 0..<threads where other != thread {
            let theirs = slots[other].load(ordering: .sequentiallyConsistent)
            if theirs.first != 0 && theirs.first <= last && first <= theirs.second { return true }
        }
        return false
    }

    func withdraw(thread: Int) { slots[thread].store(WordPair(first: 0, second: 0), ordering: .releasing) }
}
