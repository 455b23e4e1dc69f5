import CKMemShims
import KMem

/// `vmalloc`: lib/test_vmalloc.c's cases, one per cell (`case=`). One round is one run of the
/// case (its `loops` iterations, with its setup), timed as test_vmalloc times it; the
/// `workload_extra` column reports `usec_per_case` (average over every run of every thread,
/// as test_vmalloc's per-worker "avg: N usec"), `case_runs` and `case_failures` (a run fails,
/// as the kernel's returns -1, when an allocation it needs returns NULL). Operations are
/// counted inside the timed window to the iteration; a run the stop cuts short ends there and
/// is left out of the per-run figures.
public struct VmallocCases: Workload {
    public enum Case: String, CaseIterable, Sendable {
        case fixSize = "fix_size_alloc", fullFit = "full_fit_alloc", longBusyList = "long_busy_list_alloc"
        case randomSize = "random_size_alloc", fixAlign = "fix_align_alloc"
        case randomSizeAlign = "random_size_align_alloc", alignShift = "align_shift_alloc"
        case pcpu = "pcpu_alloc", noBlock = "no_block_alloc", vrealloc
    }

    public static let info = WorkloadInfo(
        name: "vmalloc",
        pattern: "each thread runs the case again and again: fix_size (vmalloc+vfree of nr_pages pages), full_fit "
            + "(junk pairs of 1-page areas, every other freed, then 1-page allocations into the holes), "
            + "long_busy_list (busy 1-page areas live, then 100-page + 1-page pairs), random_size (1..100 pages), "
            + "fix_align (5 pages at 32 KiB alignment, zeroed), random_size_align (1..10 pages at 2^0..2^22), "
            + "align_shift (1 page at alignments 2^0..2^62: must fail), pcpu_alloc (loops per-CPU areas of "
            + "1..1024 B at 2^1..2^11, then all freed), no_block_alloc (1..16 KiB with GFP_ATOMIC or GFP_NOWAIT "
            + "under preempt_disable: may fail, must not wait), vrealloc (1 page, grown to 4, shrunk to 1, grown "
            + "to 2, contents checked)",
        models: "lib/test_vmalloc.c, next to malloc of the same sizes (baselines) and a naive mmap/munmap per "
            + "allocation (engine mmap); pcpu_alloc uses alloc_percpu on kmem and aligned malloc elsewhere",
        parameters: [testCase.schema, loops.schema, nrPages.schema, busy.schema, junk.schema])

    static let testCase = Parameter.choice("case", default: Case.fixSize, "the test case")
    static let loops = Parameter.integer("loops", default: 1000, 1...10_000_000,
        "iterations per case run (test_loop_count; the kernel's default is 1000000)")
    static let nrPages = Parameter.integer("nr_pages", default: 1, 1...4096, "fix_size_alloc's size in pages")
    static let busy = Parameter.integer("busy", default: 15000, 1...1_000_000, "long_busy_list_alloc's live areas")
    static let junk = Parameter.integer("junk", default: 8192, 1...1_000_000,
        "full_fit_alloc's area pairs (the kernel's 8192 x fls(CPUs): one CPU's share, so two "
            + "threads fit kmem's default memory)")

    let testCase: Case
    let loops, pages, busy, junk: Int

    public init(_ values: ParameterValues) {
        testCase = values[Self.testCase]
        loops = values[Self.loops]
        pages = values[Self.nrPages]
        busy = values[Self.busy]
        junk = values[Self.junk]
    }

    public var requestKinds: RequestKinds { testCase == .pcpu ? .percpu : .virtual }

    static let page = PhysicalMemory.pageSize

    public func run<E: Engine>(on engine: E, _ context: WorkloadContext) {
        context.runThreads(engine) { [self] thread, driver in
            var random = context.random(stream: thread)
            var round = 0, failures = 0
            var nanoseconds: UInt64 = 0
            while driver.more(round) {
                let start = kmem_shim_monotonic_ns()
                let passed = runCase(&driver, &random)
                // A run the stop cut short is no run of the case (its operations after the stop
                // were not counted either).
                guard !context.control.isStopped else { break }
                if !passed { failures += 1 }
                nanoseconds &+= kmem_shim_monotonic_ns() &- start
                round &+= 1
            }
            context.addFigures(["case_runs": Double(round), "case_failures": Double(failures),
                                "case_usec_total": Double(nanoseconds) / 1e3])
        }
        let figures = context.figures
        if let runs = figures["case_runs"], runs > 0, let total = figures["case_usec_total"] {
            context.addFigures(["usec_per_case": total / runs])
        }
    }

    /// One run of the case; false when it failed (an allocation it needed returned NULL).
    func runCase<W>(_ driver: inout Driver<W>, _ random: inout Random) -> Bool {
        switch testCase {
        case .fixSize: repeated(&driver) { Self.touchAndFree(&$0, size: pages * Self.page) }
        case .fullFit: fullFit(&driver)
        case .longBusyList: longBusyList(&driver)
        case .randomSize: repeated(&driver) { Self.touchAndFree(&$0, size: (1 + random.below(100)) * Self.page) }
        case .fixAlign:
            // THREAD_ALIGN << 1 with 16 KiB kernel stacks.
            repeated(&driver) { Self.touchAndFree(&$0, size: 5 * Self.page, align: 32 << 10, gfp: GFP.kernel.union(.zero)) }
        case .randomSizeAlign:
            repeated(&driver) {
                let byte = random.below(256)
                return Self.touchAndFree(&$0, size: (byte % 10 + 1) * Self.page, align: 1 << (byte % 23),
                                         gfp: GFP.kernel.union(.zero))
            }
        case .alignShift:
            (0..<63).allSatisfy { Self.touchAndFree(&driver, size: Self.page, align: 1 << $0, gfp: GFP.kernel.union(.zero)) }
        case .pcpu: percpu(&driver, &random)
        case .noBlock: noBlock(&driver, &random)
        case .vrealloc: repeated(&driver) { Self.resizeChecked(&$0) }
        }
    }

    /// `loops` iterations, stopping at the first that fails (false) or when the cell stops.
    /// Each iteration follows the phases, so the timed window opens and closes between two
    /// iterations, not between two runs (one random_size run takes about half a second on kmem,
    /// which maps every page with mmap).
    func repeated<W>(_ driver: inout Driver<W>, _ iteration: (inout Driver<W>) -> Bool) -> Bool {
        for _ in 0..<loops {
            guard driver.more(0) else { return true }
            if !iteration(&driver) { return false }
        }
        return true
    }

    /// Allocates, writes the first byte (so the memory is really mapped), frees.
    static func touchAndFree<W>(_ driver: inout Driver<W>, size: Int, align: Int = page, gfp: GFP = .kernel) -> Bool {
        guard let area = driver.allocVirtual(size: size, align: align, gfp: gfp) else { return false }
        driver.write(UInt8(1), to: area)
        driver.freeVirtual(area, size: size, align: align)
        return true
    }

    func fullFit<W>(_ driver: inout Driver<W>) -> Bool {
        let kept = BlockArray(count: junk), holes = BlockArray(count: junk)
        defer { kept.freeAllVirtual(&driver); kept.deallocate(); holes.deallocate() }
        for index in 0..<junk {
            driver.notePhase()
            kept[index] = (driver.allocVirtual(size: Self.page), Self.page)
            holes[index] = (driver.allocVirtual(size: Self.page), Self.page)
        }
        holes.freeAllVirtual(&driver)
        return repeated(&driver) { Self.touchAndFree(&$0, size: Self.page) }
    }

    func longBusyList<W>(_ driver: inout Driver<W>) -> Bool {
        let live = BlockArray(count: busy)
        defer { live.freeAllVirtual(&driver); live.deallocate() }
        for index in 0..<busy {
            driver.notePhase()
            live[index] = (driver.allocVirtual(size: Self.page), Self.page)
        }
        return repeated(&driver) { driver in
            guard let large = driver.allocVirtual(size: 100 * Self.page) else { return false }
            defer { driver.freeVirtual(large, size: 100 * Self.page) }
            return Self.touchAndFree(&driver, size: Self.page)
        }
    }

    /// pcpu_alloc_test: `loops` per-CPU areas (the kernel's 35000) held, then all freed.
    /// A held area's amount packs its size with its alignment shift above bit 32.
    func percpu<W>(_ driver: inout Driver<W>, _ random: inout Random) -> Bool {
        let held = BlockArray(count: loops)
        defer { held.deallocate() }
        var passed = true
        for index in 0..<loops {
            driver.notePhase()
            let size = 1 + random.below(Self.page / 4), shift = 1 + random.below(11)
            let area = driver.allocPercpu(size: size, align: 1 << shift)
            if area == nil { passed = false }
            held[index] = (area, size | shift << 32)
        }
        for index in 0..<loops {
            guard let area = held.blocks[index] else { continue }
            let amount = held.amounts[index]
            driver.freePercpu(area, size: amount & 0xffff_ffff, align: 1 << (amount >> 32))
        }
        return passed
    }

    /// no_block_alloc_test: failures are allowed, waiting is not (the sleep check counts it).
    func noBlock<W>(_ driver: inout Driver<W>, _ random: inout Random) -> Bool {
        for _ in 0..<loops {
            guard driver.more(0) else { break }
            let gfp: GFP = random.below(2) == 0 ? .atomic : .nowait
            let size = 1 + random.below(4 * Self.page)
            let area = Current.withPreemptionDisabled { driver.allocVirtual(size: size, gfp: gfp) }
            if let area { driver.freeVirtual(area, size: size) }
        }
        return true
    }

    /// vrealloc_test's steps: 1 page written, grown to 4 pages, shrunk to 1, grown to 2,
    /// the first byte checked after each.
    static func resizeChecked<W>(_ driver: inout Driver<W>) -> Bool {
        guard var area = driver.allocVirtual(size: page) else { return false }
        driver.write(UInt8(ascii: "a"), to: area)
        var size = page
        var intact = true
        for next in [4 * page, page, 2 * page] where intact {
            guard let moved = driver.reallocVirtual(area, oldSize: size, newSize: next) else { intact = false; break }
            (area, size) = (moved, next)
            intact = driver.read(UInt8.self, from: area) == UInt8(ascii: "a")
        }
        driver.freeVirtual(area, size: size)
        return intact
    }
}

extension BlockArray {
    /// Frees every page-aligned virtual area still held.
    func freeAllVirtual<W>(_ driver: inout Driver<W>) {
        for index in 0..<count {
            if let area = blocks[index] { driver.freeVirtual(area, size: amounts[index]) }
            blocks[index] = nil
        }
    }
}
