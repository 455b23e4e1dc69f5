import KMem
import Synchronization

/// The handle a workload's loop calls: one engine worker plus the harness's per-thread
/// bookkeeping (operation counts, live bytes for the blowup figure, sampled latency). A struct
/// used `inout` on one thread; nothing here is shared except the driver's board line, which
/// the resource sampler reads and the runner clears.
public struct Driver<Worker: EngineWorker> {
    // First, and the sampler first in it: the ledger's and the sampler's out-of-line calls
    // then take the driver's own address, and a loop keeps one register for the three.
    @usableFromInline var ledger: DriverLedger
    @usableFromInline var worker: Worker
    /// This driver's line of the board: its allocations minus its frees, in bytes, exact,
    /// updated on every call, and the round limit `more` compares with.
    @usableFromInline let slot: DriverBoard.Slot
    /// What `uncounted` kept out of the window's counts (so that the engine's calls can still
    /// be checked against the counts).
    public private(set) var uncountedCounters = OpCounters()

    init(worker: Worker, sampler: LatencySampler, slot: DriverBoard.Slot, control: RunControl, isWorker: Bool) {
        ledger = DriverLedger(sampler: sampler, control: control, isWorker: isWorker)
        self.worker = worker
        self.slot = slot
    }

    /// Everything this driver did so far, counted or not.
    public var counters: OpCounters { ledger.counters }

    /// Whether the loop runs another round: once per round, `round` being the rounds this loop
    /// has run. Also where a driver notices the timed window opening and closing: operations of
    /// the warm-up and after the stop are not counted, so per-thread setup and teardown stay
    /// outside the figures. The phase is read only when the round limit in the driver's board
    /// line says so (the run's last round, or a phase change clearing it), so that the check
    /// costs a round no more than the round limit alone and still sees a change at once.
    @inlinable @inline(__always)
    public mutating func more(_ round: Int) -> Bool {
        if round < slot.roundLimit.pointee.load(ordering: .relaxed) { return true }
        return ledger.poll(round, slot)
    }

    /// `more` for loops that are not driven by rounds (a consumer draining a queue, a thread
    /// waiting for its iteration, an interrupt context, a shrinker): they follow the phases
    /// too. A worker thread that calls it is past its setup, as with `more`.
    @inlinable @inline(__always)
    public mutating func notePhase() { ledger.notePhase() }

    /// What this driver did inside the timed window (everything, in a rounds-limited cell). A
    /// driver of a timed cell that never saw the window open (a workload's own setup) did
    /// nothing that counts.
    public var windowCounters: OpCounters { ledger.windowCounters }

    /// Whether what this driver does now counts: the timed window is open (as of its last check).
    public var isCounting: Bool { ledger.seenPhase == RunControl.timed }

    /// Runs `body` on this driver without counting or sampling what it does: work the workload
    /// keeps out of its figures (a trace replay's drain of what a pass left live). Its time is
    /// the workload's to exclude (`RunControl.exclude`).
    public mutating func uncounted<T>(_ body: (inout Self) -> T) -> T {
        let before = counters
        let suspended = ledger.sampler.suspend()
        let result = body(&self)
        // A window that closed meanwhile keeps its sampler paused.
        if ledger.windowEnd == nil { ledger.sampler.resume(suspended) }
        // Only an open window needs it: the warm-up's counts are dropped when the window
        // opens, and a closed one has its end counts already.
        if ledger.seenPhase == RunControl.timed {
            let done = counters - before
            ledger.windowStart = ledger.windowStart + done
            uncountedCounters = uncountedCounters + done
        }
        return result
    }

    // Always inlined: the loops call these once per operation, and left to its heuristics the
    // optimizer inlined them or not depending on the order it met the files in (measured with
    // callgrind: a file move outlined allocObject and freeObject, 23 instructions per pair
    // operation on glibc; with this, kmem's pair runs 233 instructions per operation, not 251).
    @inlinable @inline(__always)
    public mutating func allocObject(size: Int, gfp: GFP = .kernel) -> UnsafeMutableRawPointer? {
        allocated(timed(.allocation) { $0.allocObject(size: size, gfp: gfp) }, bytes: size, gfp: gfp)
    }

    @inlinable @inline(__always)
    public mutating func freeObject(_ object: UnsafeMutableRawPointer, size: Int, remote: Bool = false) {
        timed(.free) { $0.freeObject(object, size: size) }
        noteFree(bytes: size, remote: remote)
    }

    @inlinable @inline(__always)
    public mutating func allocPages(order: Int, gfp: GFP = .kernel) -> UnsafeMutableRawPointer? {
        allocated(timed(.allocation) { $0.allocPages(order: order, gfp: gfp) }, bytes: 4096 << order, gfp: gfp)
    }

    @inlinable @inline(__always)
    public mutating func freePages(_ pages: UnsafeMutableRawPointer, order: Int, remote: Bool = false) {
        timed(.free) { $0.freePages(pages, order: order) }
        noteFree(bytes: 4096 << order, remote: remote)
    }

    @inlinable @inline(__always)
    public mutating func cacheAlloc(_ cache: EngineHandle, gfp: GFP = .kernel) -> UnsafeMutableRawPointer? {
        allocated(timed(.allocation) { $0.cacheAlloc(cache, gfp: gfp) }, bytes: cache.size, gfp: gfp)
    }

    @inlinable @inline(__always)
    public mutating func cacheFree(_ cache: EngineHandle, _ object: UnsafeMutableRawPointer, remote: Bool = false) {
        timed(.free) { $0.cacheFree(cache, object) }
        noteFree(bytes: cache.size, remote: remote)
    }

    @inlinable @inline(__always)
    public mutating func poolAlloc(_ pool: EngineHandle, gfp: GFP = .kernel) -> UnsafeMutableRawPointer? {
        allocated(timed(.allocation) { $0.poolAlloc(pool, gfp: gfp) }, bytes: pool.size, gfp: gfp)
    }

    @inlinable @inline(__always)
    public mutating func poolFree(_ pool: EngineHandle, _ element: UnsafeMutableRawPointer, remote: Bool = false) {
        timed(.free) { $0.poolFree(pool, element) }
        noteFree(bytes: pool.size, remote: remote)
    }

    @inlinable @inline(__always)
    public mutating func allocVirtual(size: Int, align: Int = 4096, gfp: GFP = .kernel) -> UnsafeMutableRawPointer? {
        allocated(timed(.allocation) { $0.allocVirtual(size: size, align: align, gfp: gfp) }, bytes: size, gfp: gfp)
    }

    @inlinable @inline(__always)
    public mutating func freeVirtual(_ area: UnsafeMutableRawPointer, size: Int, align: Int = 4096) {
        timed(.free) { $0.freeVirtual(area, size: size, align: align) }
        noteFree(bytes: size, remote: false)
    }

    /// vrealloc: two operations, the free of the old size and the allocation of the new one
    /// (a failure counts one failed allocation and keeps the old area).
    @inlinable @inline(__always)
    public mutating func reallocVirtual(_ area: UnsafeMutableRawPointer, oldSize: Int, newSize: Int,
                                        gfp: GFP = .kernel) -> UnsafeMutableRawPointer? {
        let moved = timed(.allocation) { $0.reallocVirtual(area, oldSize: oldSize, newSize: newSize, gfp: gfp) }
        if moved != nil {
            ledger.tally.frees &+= 1
            noteFree(bytes: oldSize, remote: false)
        }
        return allocated(moved, bytes: newSize, gfp: gfp)
    }

    @inlinable @inline(__always)
    public mutating func allocPercpu(size: Int, align: Int, gfp: GFP = .kernel) -> UnsafeMutableRawPointer? {
        allocated(timed(.allocation) { $0.allocPercpu(size: size, align: align, gfp: gfp) }, bytes: size, gfp: gfp)
    }

    @inlinable @inline(__always)
    public mutating func freePercpu(_ area: UnsafeMutableRawPointer, size: Int, align: Int) {
        timed(.free) { $0.freePercpu(area, size: size, align: align) }
        noteFree(bytes: size, remote: false)
    }

    /// The workload's own store into a block it holds, counted in bytes_touched (every engine
    /// must see the same touches for a row to compare).
    @inlinable @inline(__always)
    public mutating func write<T: BitwiseCopyable>(_ value: T, to block: UnsafeMutableRawPointer, at offset: Int = 0) {
        block.storeBytes(of: value, toByteOffset: offset, as: T.self)
        ledger.tally.touchedBytes &+= MemoryLayout<T>.size
    }

    /// The workload's own load from a block it holds, counted in bytes_touched.
    @inlinable @inline(__always)
    public mutating func read<T: BitwiseCopyable>(_ type: T.Type, from block: UnsafeMutableRawPointer, at offset: Int = 0) -> T {
        ledger.tally.touchedBytes &+= MemoryLayout<T>.size
        return block.load(fromByteOffset: offset, as: T.self)
    }

    /// memset of `count` bytes of a block the workload holds, counted in bytes_touched.
    @inlinable @inline(__always)
    public mutating func fill(_ block: UnsafeMutableRawPointer, count: Int, with byte: UInt8) {
        block.initializeMemory(as: UInt8.self, repeating: byte, count: count)
        ledger.tally.touchedBytes &+= count
    }

    /// Bytes the workload read or wrote itself some other way (a memcmp, a copy).
    public mutating func noteTouched(_ bytes: Int) { ledger.tally.touchedBytes &+= bytes }

    /// Counts work dropped before any allocation was tried.
    public mutating func noteDrop() { ledger.tally.drops += 1 }

    /// One engine call, counted, and timed when the sampler picks it. The call is written
    /// twice so that the untimed one carries no flag across it.
    @inlinable @inline(__always)
    mutating func timed<T>(_ kind: LatencySampler.Call, _ call: (inout Worker) -> T) -> T {
        guard ledger.sampler.isDue(kind) else { return call(&worker) }
        ledger.sampler.begin(kind)
        defer { ledger.sampler.end() }
        return call(&worker)
    }

    @inlinable @inline(__always)
    mutating func allocated(_ block: UnsafeMutableRawPointer?, bytes: Int, gfp: GFP) -> UnsafeMutableRawPointer? {
        guard block != nil else {
            ledger.tally.failures &+= 1
            if !gfp.allowsBlocking { ledger.tally.atomicFailures &+= 1 }
            return nil
        }
        slot.allocated(bytes)
        return block
    }

    @inlinable @inline(__always)
    mutating func noteFree(bytes: Int, remote: Bool) {
        if remote { ledger.tally.remoteFrees &+= 1 }
        slot.freed(bytes)
    }
}
