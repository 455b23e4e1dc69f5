import CKMemShims
import Glibc
import KMem
import Synchronization

/// One worker of a replay: runs its operations in order, pass after pass. An allocation
/// leaves its pointer in the object's slot; a free reads it there, waiting (only) when the
/// allocation is another worker's. Between passes and at the end, after every worker has
/// finished its frees, each frees the objects of its own allocations still live: uncounted,
/// and with every worker stopped at the pass barrier, so the drain is not timed either.
struct Replayer {
    let plan: ReplayPlan
    let worker: Int
    let control: RunControl
    let barrier: PassBarrier
    let speed: ReplaySpeed
    private var passes = 0
    private var drainFrees = 0
    private var failedFrees = 0
    /// Where this worker was when its driver saw the timed window open and close (nil: not
    /// seen; an unseen close is the end of the last pass).
    private var windowOpen: Position?
    private var windowClose: Position?

    /// An operation of a pass: `index` of this worker's operations in pass `pass` (from 0).
    struct Position {
        var pass: Int
        var index: Int
    }

    init(plan: ReplayPlan, worker: Int, control: RunControl, barrier: PassBarrier, speed: ReplaySpeed) {
        self.plan = plan
        self.worker = worker
        self.control = control
        self.barrier = barrier
        self.speed = speed
    }

    mutating func run<W>(_ driver: inout Driver<W>) {
        guard driver.more(0) else { return }
        noteWindow(driver, index: 0)
        while true {
            let completed = replayPass(&driver)
            passes += 1
            // Every worker gets here: one that stopped early, and one waiting on it, both see `stop`.
            let another = barrier.endPass(vote: completed) { [control, passes] in passes < control.maxRounds && !control.isStopped }
            driver.uncounted { drainLive(&$0) }
            barrier.endDrain(control)
            guard another else { break }
        }
    }

    /// The workload's figures from this worker (summed over workers; the pass count once):
    /// with the operations it ran inside the window for each traced CPU it replays.
    func figures(first: Bool) -> [String: Double] {
        var figures = ["drain_frees": Double(drainFrees), "failed_model_frees": Double(failedFrees)]
        if first { figures["passes"] = Double(passes) }
        guard let open = windowOpen else { return figures }
        let close = windowClose ?? Position(pass: passes, index: 0)
        let cpus = plan.tracedCPU[worker]
        var perPass: [Int32: Int] = [:]
        var beforeOpen: [Int32: Int] = [:]
        var beforeClose: [Int32: Int] = [:]
        for (index, cpu) in cpus.enumerated() {
            perPass[cpu, default: 0] += 1
            if index < open.index { beforeOpen[cpu, default: 0] += 1 }
            if index < close.index { beforeClose[cpu, default: 0] += 1 }
        }
        for (cpu, count) in perPass {
            let ops = count * (close.pass - open.pass) + beforeClose[cpu, default: 0] - beforeOpen[cpu, default: 0]
            figures["cpu.\(cpu).ops"] = Double(ops)
        }
        return figures
    }

    /// Notes the window opening as the driver saw it at its last check, at operation `index`
    /// of the current pass (the driver's counts start there too).
    private mutating func noteWindow<W>(_ driver: Driver<W>, index: Int) {
        if windowOpen == nil && driver.isCounting { windowOpen = Position(pass: passes, index: index) }
    }

    /// The pass stopped at operation `index`: the driver's counts end here too.
    private mutating func stopped<W>(_ driver: inout Driver<W>, at index: Int) -> Bool {
        driver.notePhase()
        if windowOpen != nil && windowClose == nil { windowClose = Position(pass: passes, index: index) }
        return false
    }

    /// One pass over this worker's operations; false when the run stopped in the middle.
    private mutating func replayPass<W>(_ driver: inout Driver<W>) -> Bool {
        let ops = plan.ops[worker]
        let slots = plan.slots
        let handles = plan.handles
        let start = kmem_shim_monotonic_ns()
        for index in 0..<ops.count {
            let op = ops[index]
            if index & 255 == 0 {
                guard driver.more(0) else { return stopped(&driver, at: index) }
                noteWindow(driver, index: index)
            }
            if case .scaled(let factor) = speed, !pace(until: start &+ UInt64(Double(op.time) / factor)) {
                return stopped(&driver, at: index)
            }
            let slot = slots + Int(op.slot)
            if op.isAllocation {
                let block = Self.inContext(op.context) { Self.allocate(op, &driver, handles) }
                slot.pointee.store(block.map { UInt(bitPattern: $0) } ?? ReplaySlot.failed, ordering: .releasing)
                continue
            }
            var value = slot.pointee.load(ordering: .acquiring)
            // Pending only for a free of another worker's allocation that has not run yet.
            while value == ReplaySlot.pending {
                if control.isStopped { return stopped(&driver, at: index) }
                sched_yield()
                value = slot.pointee.load(ordering: .acquiring)
            }
            guard value > ReplaySlot.freed else {
                if value == ReplaySlot.failed { failedFrees += 1 }
                continue
            }
            Self.inContext(op.context) { Self.free(op, UnsafeMutableRawPointer(bitPattern: value).unsafelyUnwrapped, &driver, handles) }
            slot.pointee.store(ReplaySlot.freed, ordering: .relaxed)
        }
        return true
    }

    /// Frees what this worker's allocations left live, and readies its slots for another pass.
    private mutating func drainLive<W>(_ driver: inout Driver<W>) {
        for op in plan.ops[worker] where op.isAllocation {
            let slot = plan.slots + Int(op.slot)
            let value = slot.pointee.load(ordering: .acquiring)
            if value > ReplaySlot.freed {
                Self.free(op.free(time: 0, context: .process, waits: false), UnsafeMutableRawPointer(bitPattern: value).unsafelyUnwrapped,
                          &driver, plan.handles)
                drainFrees += 1
            }
            slot.pointee.store(ReplaySlot.pending, ordering: .relaxed)
        }
    }

    /// Waits for a paced operation's time; false if the run stopped meanwhile.
    private func pace(until deadline: UInt64) -> Bool {
        while true {
            let now = kmem_shim_monotonic_ns()
            if now >= deadline { return true }
            if control.isStopped { return false }
            if deadline - now > 100_000 { _ = kmem_shim_sleep_until(deadline - 50_000) }
        }
    }

    @inline(__always)
    static func inContext<T>(_ context: ReplayOp.Context, _ body: () -> T) -> T {
        switch context {
        case .process: return body()
        case .softirq: return Current.inSoftirq(body)
        case .hardirq: return Current.inHardirq(body)
        case .nmi:
            Current.nmiEnter()
            defer { Current.nmiExit() }
            return body()
        }
    }

    @inline(__always)
    static func allocate<W>(_ op: ReplayOp, _ driver: inout Driver<W>, _ handles: UnsafeMutablePointer<EngineHandle>)
        -> UnsafeMutableRawPointer? {
        let gfp = GFP(rawValue: op.gfp)
        switch op.kind {
        case .kmalloc: return driver.allocObject(size: Int(op.amount), gfp: gfp)
        case .cacheAlloc: return driver.cacheAlloc(handles[Int(op.amount)], gfp: gfp)
        case .pageAlloc: return driver.allocPages(order: Int(op.amount), gfp: gfp)
        case .kfree, .cacheFree, .pageFree: return nil
        }
    }

    @inline(__always)
    static func free<W>(_ op: ReplayOp, _ block: UnsafeMutableRawPointer, _ driver: inout Driver<W>,
                        _ handles: UnsafeMutablePointer<EngineHandle>) {
        switch op.kind {
        case .kfree: driver.freeObject(block, size: Int(op.amount), remote: op.waits)
        case .cacheFree: driver.cacheFree(handles[Int(op.amount)], block, remote: op.waits)
        case .pageFree: driver.freePages(block, order: Int(op.amount), remote: op.waits)
        case .kmalloc, .cacheAlloc, .pageAlloc: break
        }
    }
}
