import CKMemShims
import Glibc
import KMem
import Synchronization

/// One worker of a replay: runs its operations in order, pass after pass. An allocation
/// leaves its pointer in the object's slot; a free reads it there, waiting (only) when the
/// allocation is another worker's. Between passes and at the end, after every worker has
/// finished its frees, each frees the objects of its own allocations still live.
struct Replayer {
    let plan: ReplayPlan
    let worker: Int
    let control: RunControl
    let barrier: PassBarrier
    let speed: ReplaySpeed
    private var passes = 0
    private var drainFrees = 0
    private var failedFrees = 0

    init(plan: ReplayPlan, worker: Int, control: RunControl, barrier: PassBarrier, speed: ReplaySpeed) {
        self.plan = plan
        self.worker = worker
        self.control = control
        self.barrier = barrier
        self.speed = speed
    }

    mutating func run<W>(_ driver: inout Driver<W>) {
        guard driver.more(0) else { return }
        while true {
            let completed = replayPass(&driver)
            passes += 1
            // Every worker gets here: one that stopped early, and one waiting on it, both see `stop`.
            let another = barrier.arrive(vote: completed) { [control, passes] in passes < control.maxRounds && !control.isStopped }
            drainLive(&driver)
            guard another else { break }
            _ = barrier.arrive(vote: true) { true }
        }
    }

    /// The workload's figures from this worker (summed over workers; the pass count once).
    func figures(first: Bool) -> [String: Double] {
        var figures = ["drain_frees": Double(drainFrees), "failed_model_frees": Double(failedFrees)]
        if first { figures["passes"] = Double(passes) }
        return figures
    }

    /// One pass over this worker's operations; false when the run stopped in the middle.
    private mutating func replayPass<W>(_ driver: inout Driver<W>) -> Bool {
        let ops = plan.ops[worker]
        let slots = plan.slots
        let handles = plan.handles
        let start = kmem_shim_monotonic_ns()
        for index in 0..<ops.count {
            let op = ops[index]
            if index & 255 == 0 && !driver.more(0) { return false }
            if case .scaled(let factor) = speed, !pace(until: start &+ UInt64(Double(op.time) / factor)) { return false }
            let slot = slots + Int(op.slot)
            if op.isAllocation {
                let block = Self.inContext(op.context) { Self.allocate(op, &driver, handles) }
                slot.pointee.store(block.map { UInt(bitPattern: $0) } ?? ReplaySlot.failed, ordering: .releasing)
                continue
            }
            var value = slot.pointee.load(ordering: .acquiring)
            // Pending only for a free of another worker's allocation that has not run yet.
            while value == ReplaySlot.pending {
                if control.isStopped { return false }
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
