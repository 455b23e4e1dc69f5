import KMem
@testable import KMemHarness
import Synchronization
import Testing

/// A test engine on the system allocator that fills each new block with 0xA5 (so the
/// workload's writes show), checks each block's contents when it is freed, and logs per
/// worker `+n` for the n-th allocation of the run and `-n` for its free.
final class ProbeEngine: Engine, @unchecked Sendable {
    // Sendable: the maps and logs are behind Mutexes, the counters atomic.
    let requestKinds: RequestKinds = .objects
    let badFrees = Atomic<Int>(0)
    let logs = Mutex<[Int: [Int]]>([:])
    private let numbers = Mutex<[UInt: Int]>([:])
    private let allocated = Atomic<Int>(0)
    private let contentsOK: @Sendable (UnsafeMutableRawPointer, Int) -> Bool

    init(contentsOK: @escaping @Sendable (UnsafeMutableRawPointer, Int) -> Bool = { _, _ in true }) {
        self.contentsOK = contentsOK
    }

    struct Worker: EngineWorker {
        let engine: ProbeEngine
        let cpu: Int
        var log: [Int] = []

        mutating func allocObject(size: Int, gfp: GFP) -> UnsafeMutableRawPointer? {
            let block = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 16)
            block.initializeMemory(as: UInt8.self, repeating: 0xA5, count: size)
            let number = engine.allocated.wrappingAdd(1, ordering: .relaxed).newValue
            engine.numbers.withLock { $0[UInt(bitPattern: block)] = number }
            log.append(number)
            return block
        }

        mutating func freeObject(_ object: UnsafeMutableRawPointer, size: Int) {
            if !engine.contentsOK(object, size) { engine.badFrees.wrappingAdd(1, ordering: .relaxed) }
            let number = engine.numbers.withLock { $0.removeValue(forKey: UInt(bitPattern: object)) }
            log.append(-(number ?? 0))
            object.deallocate()
        }
    }

    func makeWorker(cpu: Int) -> Worker { Worker(engine: self, cpu: cpu) }

    func retire(_ worker: inout Worker) {
        let (cpu, log) = (worker.cpu, worker.log)
        logs.withLock { $0[cpu, default: []] += log }
    }

    func footprintBytes() -> Int? { nil }
    func report() -> EngineReport { EngineReport() }
}

func bytes(_ block: UnsafeMutableRawPointer, _ count: Int) -> [UInt8] {
    Array(UnsafeRawBufferPointer(start: block, count: count))
}

@Suite("sh6bench port") struct Sh6benchPortTests {
    @Test("a round is the size walk: 19,300 allocations of 1..709 B, smallest sizes 250 times in a row")
    func sizeWalk() throws {
        let engine = RecordingEngine()
        let collected = try runInProcess("sh6bench", on: engine, threads: 2, rounds: 2)
        #expect(collected.counters.allocations == 2 * 2 * 19300)
        #expect(collected.counters.frees == collected.counters.allocations)
        let sequence = try #require(engine.sequences.withLock { $0[0] })
        #expect(sequence.count == 2 * 19300)
        // size_base 1, then 2 (and 2/2), then 4 (4, 2, 1): each size 250 times in a row.
        let runs: [Int] = [1, 2, 1, 4, 2, 1]
        #expect(Array(sequence.prefix(1500)) == runs.flatMap { Array(repeating: $0, count: 250) })
        #expect(sequence.min() == 1 && sequence.max() == 709)
        #expect(sequence.filter { $0 == 709 }.count == 2 * 50)
        #expect(engine.sequences.withLock { $0[1] } == sequence, "every thread makes the same walk")
    }

    @Test("the buffer's top part is freed newest first, the kept fifth survives into the next cycle")
    func survivorsAndFreeOrder() throws {
        let engine = ProbeEngine { block, size in bytes(block, 1) == [0] && bytes(block + size - 1, 1) == [0] }
        let collected = try runInProcess("sh6bench:calls=100", on: engine, threads: 1, rounds: 1)
        let log = try #require(engine.logs.withLock { $0[0] })
        #expect(engine.badFrees.load(ordering: .relaxed) == 0, "each block's first and last byte are written 0")
        // Cycle 1 fills slots 0..<100 (allocations 1...100), keeps slots 0..<20 and frees
        // slots 99 down to 20: allocations 100 down to 21.
        #expect(Array(log.prefix(180)) == Array(1...100) + (21...100).reversed().map { -$0 })
        // Cycle 2 overwrites the kept slots 0..<20 (allocations 101...120, the original's
        // slip), fills 20..<100, keeps 20..<40 (allocations 121...140). Those survive cycle
        // 2's frees and cycle 3's allocations, and are freed at the end of cycle 3.
        let freed = { (number: Int) in log.firstIndex(of: -number) }
        let cycle3LastAllocation = try #require(log.firstIndex(of: 280))
        for survivor in 121...140 { #expect(try #require(freed(survivor)) > cycle3LastAllocation) }
        #expect(try #require(freed(141)) < cycle3LastAllocation, "above the window: freed at the end of cycle 2")
        // The overwritten survivors of cycle 1 (allocations 1...20) are freed only after the loop.
        for lost in 1...20 { #expect(try #require(freed(lost)) > log.firstIndex(of: 19300)!) }
        // Simulating the original's pointer moves for 100 slots and 19,300 allocations: 46 cycles
        // start on a kept window at slot 0 and overwrite its 20 pointers.
        let lost = try #require(collected.figures["lost_blocks"])
        #expect(lost == Double(46 * 20))
        #expect(collected.counters.frees == collected.counters.allocations)
    }
}

@Suite("glibc-thread port") struct GlibcThreadPortTests {
    @Test("the tables come from glibc's rand(): seed 1 gives glibc's first numbers")
    func glibcRand() {
        var rand = GlibcRand(seed: 1)
        #expect((0..<5).map { _ in rand.next() } == [1_804_289_383, 846_930_886, 1_681_692_777, 1_714_636_915, 1_957_747_793])
    }

    @Test("sizes follow 1/size^2 on 4..32768 B")
    func sizeDistribution() {
        let tables = GlibcThreadTables(seed: 1)
        defer { tables.deallocate() }
        let sizes = (0..<GlibcThread.sizeCount).map { tables.sizes[$0] }
        #expect(sizes.allSatisfy { (4...32768).contains($0) })
        // P(size < 8) = (1/4 - 1/8) / (1/4 - 1/32768), about a half.
        let belowEight = Double(sizes.filter { $0 < 8 }.count) / Double(sizes.count)
        #expect(abs(belowEight - 0.5) < 0.03)
        #expect((0..<GlibcThread.slotCount).allSatisfy { (0..<1024).contains(tables.slots[$0]) })
    }

    @Test("seed 1 gives the original's tables (values printed by its get_block_size over glibc's rand())")
    func originalTables() {
        let tables = GlibcThreadTables(seed: 1)
        defer { tables.deallocate() }
        #expect((0..<5).map { tables.sizes[$0] } == [25, 6, 18, 19, 45])
        #expect((0..<GlibcThread.sizeCount).reduce(0) { $0 + tables.sizes[$1] } == 311_130)
        #expect((0..<GlibcThread.sizeCount).filter { tables.sizes[$0] > 4096 }.count == 8)
        #expect((0..<GlibcThread.slotCount).reduce(0) { $0 + tables.slots[$1] } == 2_107_404)
    }

    @Test("each round frees a slot's block and allocates the next table size there, every byte written")
    func rounds() throws {
        let engine = RecordingEngine()
        let collected = try runInProcess("glibc-thread", on: engine, threads: 2, rounds: 9000, seed: 3)
        #expect(collected.counters.allocations == 2 * 9000)
        #expect(collected.counters.frees == collected.counters.allocations)
        let tables = GlibcThreadTables(seed: 3)
        defer { tables.deallocate() }
        let expected = (1...9000).map { tables.sizes[$0 % GlibcThread.sizeCount] }
        #expect(engine.sequences.withLock { $0[0] } == expected, "the walk starts at the second entry and wraps")
        #expect(engine.sequences.withLock { $0[1] } == expected)

        let probe = ProbeEngine { block, size in bytes(block, size) == (0..<size).map { UInt8(truncatingIfNeeded: $0) } }
        _ = try runInProcess("glibc-thread", on: probe, threads: 1, rounds: 3000)
        #expect(probe.badFrees.load(ordering: .relaxed) == 0)
    }
}

@Suite("alloc-test port") struct AllocTestPortTests {
    @Test("the Pareto law picks slots: a quarter of the choices fall on the first 16 of 262,144 slots")
    func paretoSlots() {
        let pareto = AllocTest.Pareto(slots: 1 << 18)
        var random = AllocTest.Random(state: 41)
        var perRange = [Int](repeating: 0, count: 7)
        let draws = 1_000_000
        for _ in 0..<draws {
            let slot = pareto.slot(random.next32(), random.next32())
            perRange[(0..<7).first { slot < Int(pareto.offsets[$0 + 1]) }!] += 1
        }
        #expect(pareto.offsets[1] == 16 && pareto.offsets[7] == 1 << 18)
        for range in 0..<7 {
            #expect(abs(Double(perRange[range]) / Double(draws) - AllocTest.Pareto.weights[range]) < 0.003,
                    "range \(range): \(perRange[range])")
        }
        // The 80/20 law: the smallest ranges (under 10% of the slots) take about 90% of the choices.
        #expect(Double(perRange[0...2].reduce(0, +)) / Double(draws) > 0.89)
    }

    @Test("sizes fall in power-of-two classes of 5..1024 B, each (but the last) half as likely as the one below")
    func sizeClasses() {
        var random = AllocTest.Random(state: 7)
        let sizes = (0..<200_000).map { _ in AllocTest.size(random.next64(), exponent: 10) }
        #expect(sizes.allSatisfy { (5...1024).contains($0) })
        let share = { (range: ClosedRange<Int>) in Double(sizes.filter(range.contains).count) / Double(sizes.count) }
        #expect(abs(share(5...8) - 0.5) < 0.01)
        #expect(abs(share(9...16) - 0.25) < 0.01)
        // The two largest classes share the last 1/64: 257..512 and 513..1024 B, 1/128 each.
        #expect(abs(share(257...512) - 1.0 / 128) < 0.002)
        #expect(abs(share(513...1024) - 1.0 / 128) < 0.002)
    }

    @Test("blocks are written whole and read back intact; every block is freed")
    func contents() throws {
        let probe = ProbeEngine { block, size in bytes(block, size).allSatisfy { $0 == UInt8(truncatingIfNeeded: size) } }
        let collected = try runInProcess("alloc-test:items=32768", on: probe, threads: 2, rounds: 20000)
        #expect(probe.badFrees.load(ordering: .relaxed) == 0)
        #expect(collected.figures["corrupt_blocks"] == 0)
        #expect(collected.counters.frees == collected.counters.allocations)
        // Setup fills about half of each thread's 16,384 slots.
        let log = try #require(probe.logs.withLock { $0[0] })
        let setup = log.prefix { $0 > 0 }.count
        #expect(abs(setup - 8192) < 400)
    }

    @Test("--seed 41 replays the original's sequence; every thread draws the same one")
    func seed() throws {
        let engine = RecordingEngine()
        _ = try runInProcess("alloc-test:items=32768", on: engine, threads: 2, rounds: 100, seed: 41)
        // The setup's first group: one 32-bit mask, then a size for each set bit, in bit order.
        var random = AllocTest.Random(state: 41)
        let mask = random.next32()
        let firstSizes = (0..<32).filter { mask >> $0 & 1 == 1 }
            .map { _ in AllocTest.size(random.next64(), exponent: AllocTest.sizeExponent) }
        let sequence = try #require(engine.sequences.withLock { $0[0] })
        #expect(Array(sequence.prefix(firstSizes.count)) == firstSizes)
        #expect(engine.sequences.withLock { $0[1] } == sequence)
    }
}

@Suite("cache-thrash and cache-scratch ports") struct FalseSharingPortTests {
    static let written: @Sendable (UnsafeMutableRawPointer, Int) -> Bool = { block, size in
        bytes(block, size) == (0..<size).map { UInt8(truncatingIfNeeded: $0) }
    }

    @Test("cache-thrash: one object per round per thread, each byte written and read back")
    func thrash() throws {
        let probe = ProbeEngine(contentsOK: Self.written)
        let collected = try runInProcess("cache-thrash:size=64,repetitions=200", on: probe, threads: 2, rounds: 5)
        #expect(collected.counters.allocations == 10)
        #expect(collected.counters.frees == 10)
        #expect(collected.counters.remoteFrees == 0)
        #expect(probe.badFrees.load(ordering: .relaxed) == 0)
        #expect(collected.figures["corrupt_reads"] == 0)
        #expect(collected.figures["shared_line_rounds"] != nil)
    }

    @Test("two objects on one cache line are seen as shared; objects on different lines are not")
    func sharedLines() throws {
        let board = CacheLineBoard(threads: 2)
        let line = UnsafeMutableRawPointer.allocate(byteCount: 256, alignment: 64)
        defer { line.deallocate() }
        #expect(!board.publish(line, size: 1, thread: 0))
        #expect(board.publish(line + 32, size: 1, thread: 1), "same line as thread 0's")
        #expect(!board.publish(line + 128, size: 1, thread: 1))
        #expect(board.publish(line + 60, size: 8, thread: 1), "spans into the next line, starts on thread 0's")
        board.withdraw(thread: 0)
        #expect(!board.publish(line + 32, size: 1, thread: 1), "thread 0's object is freed")
    }

    @Test("cache-scratch: a non-worker context allocates one object per thread; each worker frees its own first")
    func scratch() throws {
        let probe = ProbeEngine(contentsOK: { block, size in
            bytes(block, size).allSatisfy { $0 == 0xA5 } || Self.written(block, size)
        })
        let collected = try runInProcess("cache-scratch:size=8,repetitions=100", on: probe, threads: 2, rounds: 4)
        #expect(collected.counters.allocations == 2 + 2 * 4)
        #expect(collected.counters.frees == collected.counters.allocations)
        #expect(collected.counters.remoteFrees == 2)
        #expect(collected.figures["corrupt_reads"] == 0)
        #expect(probe.badFrees.load(ordering: .relaxed) == 0)
        let logs = probe.logs.withLock { $0 }
        let handed = try #require(logs[2])
        #expect(handed.count == 2 && handed.allSatisfy { $0 > 0 })
        for thread in 0..<2 {
            let first = try #require(logs[thread]?.first)
            #expect(handed.contains(-first), "thread \(thread) starts by freeing an object it was given")
        }
    }
}
