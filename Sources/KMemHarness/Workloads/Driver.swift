import KMem
import Synchronization

/// The handle a workload's loop calls: one engine worker plus the harness's per-thread
/// bookkeeping (operation counts, live bytes for the blowup figure, sampled latency). A struct
/// used `inout` on one thread; nothing here is shared except the live-bytes slot, which the
/// resource sampler reads.
public struct Driver<Worker: EngineWorker> {
    @usableFromInline var worker: Worker
    @usableFromInline var counters = OpCounters()
    @usableFromInline var sampler: LatencySampler
    /// This driver's line of the live-bytes board: its allocations minus its frees, in bytes,
    /// exact, updated on every call.
    @usableFromInline let liveSlot: LiveBytesBoard.Slot
    // The runner outlives every driver, so the control needs no reference count here.
    @usableFromInline unowned(unsafe) let control: RunControl
    @usableFromInline let maxRounds: Int
    /// One of runThreads' threads, whose first check tells the runner its setup is done.
    @usableFromInline let isWorker: Bool
    /// The phase this driver last saw (none before its first check), and its counters when
    /// the timed window opened and closed.
    @usableFromInline var seenPhase = -1
    @usableFromInline var windowStart = OpCounters()
    @usableFromInline var windowEnd: OpCounters?
    /// What `uncounted` kept out of the window's counts (so that the engine's calls can still
    /// be checked against the counts).
    public private(set) var uncountedCounters = OpCounters()

    init(worker: Worker, sampler: LatencySampler, liveSlot: LiveBytesBoard.Slot, control: RunControl, isWorker: Bool) {
        self.worker = worker
        self.sampler = sampler
        self.liveSlot = liveSlot
        self.control = control
        maxRounds = control.maxRounds
        self.isWorker = isWorker
    }

    /// Whether the loop runs another round: once per round. Also where a driver notices the
    /// timed window opening and closing: operations of the warm-up and after the stop are not
    /// counted, so per-thread setup and teardown stay outside the figures.
    @inlinable @inline(__always)
    public mutating func more(_ round: Int) -> Bool {
        let phase = control.phase.load(ordering: .relaxed)
        if phase != seenPhase { enter(phase, worker: isWorker) }
        return round < maxRounds && phase < RunControl.stopped
    }

    /// `more` for loops that are not driven by rounds (a consumer draining a queue, a thread
    /// waiting for its iteration, an interrupt context, a shrinker): they follow the phases
    /// too. A worker thread that calls it is past its setup, as with `more`.
    @inlinable @inline(__always)
    public mutating func notePhase() {
        let phase = control.phase.load(ordering: .relaxed)
        if phase != seenPhase { enter(phase, worker: isWorker) }
    }

    // Out of line: it runs twice per cell, and inlined it crowds the loop's registers.
    @inline(never) @usableFromInline
    mutating func enter(_ phase: Int, worker: Bool) {
        if seenPhase < 0 && worker { control.ready.wrappingAdd(1, ordering: .relaxed) }
        // A rounds cell counts from the start, whatever a loop did before its first check.
        if seenPhase < RunControl.timed && phase >= RunControl.timed && control.initialPhase == RunControl.warmingUp {
            windowStart = counters
            sampler.restart()
        }
        if phase >= RunControl.stopped && windowEnd == nil {
            windowEnd = counters
            sampler.pause()
        }
        seenPhase = phase
    }

    /// What this driver did inside the timed window (everything, in a rounds-limited cell). A
    /// driver of a timed cell that never saw the window open (a workload's own setup) did
    /// nothing that counts.
    public var windowCounters: OpCounters {
        if control.initialPhase == RunControl.warmingUp && seenPhase < RunControl.timed { return OpCounters() }
        return (windowEnd ?? counters) - windowStart
    }

    /// Whether what this driver does now counts: the timed window is open (as of its last check).
    public var isCounting: Bool { seenPhase == RunControl.timed }

    /// Runs `body` on this driver without counting or sampling what it does: work the workload
    /// keeps out of its figures (a trace replay's drain of what a pass left live). Its time is
    /// the workload's to exclude (`RunControl.exclude`).
    public mutating func uncounted<T>(_ body: (inout Self) -> T) -> T {
        let before = counters
        let suspended = sampler.suspend()
        let result = body(&self)
        sampler.resume(suspended)
        // Only an open window needs it: the warm-up's counts are dropped when the window
        // opens, and a closed one has its end counts already.
        if seenPhase == RunControl.timed {
            windowStart = windowStart + (counters - before)
            uncountedCounters = uncountedCounters + (counters - before)
        }
        return result
    }

    // Always inlined: the loops call these once per operation, and left to its heuristics the
    // optimizer inlined them or not depending on the order it met the files in (measured with
    // callgrind: a file move outlined allocObject and freeObject, 23 instructions per pair
    // operation on glibc; with this, kmem's pair runs 233 instructions per operation, not 251).
    @inlinable @inline(__always)
    public mutating func allocObject(size: Int, gfp: GFP = .kernel) -> UnsafeMutableRawPointer? {
        allocated(timed { $0.allocObject(size: size, gfp: gfp) }, bytes: size, gfp: gfp)
    }

    @inlinable @inline(__always)
    public mutating func freeObject(_ object: UnsafeMutableRawPointer, size: Int, remote: Bool = false) {
        timed { $0.freeObject(object, size: size) }
        noteFree(bytes: size, remote: remote)
    }

    @inlinable @inline(__always)
    public mutating func allocPages(order: Int, gfp: GFP = .kernel) -> UnsafeMutableRawPointer? {
        allocated(timed { $0.allocPages(order: order, gfp: gfp) }, bytes: 4096 << order, gfp: gfp)
    }

    @inlinable @inline(__always)
    public mutating func freePages(_ pages: UnsafeMutableRawPointer, order: Int, remote: Bool = false) {
        timed { $0.freePages(pages, order: order) }
        noteFree(bytes: 4096 << order, remote: remote)
    }

    @inlinable @inline(__always)
    public mutating func cacheAlloc(_ cache: EngineHandle, gfp: GFP = .kernel) -> UnsafeMutableRawPointer? {
        allocated(timed { $0.cacheAlloc(cache, gfp: gfp) }, bytes: cache.size, gfp: gfp)
    }

    @inlinable @inline(__always)
    public mutating func cacheFree(_ cache: EngineHandle, _ object: UnsafeMutableRawPointer, remote: Bool = false) {
        timed { $0.cacheFree(cache, object) }
        noteFree(bytes: cache.size, remote: remote)
    }

    @inlinable @inline(__always)
    public mutating func poolAlloc(_ pool: EngineHandle, gfp: GFP = .kernel) -> UnsafeMutableRawPointer? {
        allocated(timed { $0.poolAlloc(pool, gfp: gfp) }, bytes: pool.size, gfp: gfp)
    }

    @inlinable @inline(__always)
    public mutating func poolFree(_ pool: EngineHandle, _ element: UnsafeMutableRawPointer, remote: Bool = false) {
        timed { $0.poolFree(pool, element) }
        noteFree(bytes: pool.size, remote: remote)
    }

    @inlinable @inline(__always)
    public mutating func allocVirtual(size: Int, align: Int = 4096, gfp: GFP = .kernel) -> UnsafeMutableRawPointer? {
        allocated(timed { $0.allocVirtual(size: size, align: align, gfp: gfp) }, bytes: size, gfp: gfp)
    }

    @inlinable @inline(__always)
    public mutating func freeVirtual(_ area: UnsafeMutableRawPointer, size: Int, align: Int = 4096) {
        timed { $0.freeVirtual(area, size: size, align: align) }
        noteFree(bytes: size, remote: false)
    }

    /// vrealloc: two operations, the free of the old size and the allocation of the new one
    /// (a failure counts one failed allocation and keeps the old area).
    @inlinable @inline(__always)
    public mutating func reallocVirtual(_ area: UnsafeMutableRawPointer, oldSize: Int, newSize: Int,
                                        gfp: GFP = .kernel) -> UnsafeMutableRawPointer? {
        let moved = timed { $0.reallocVirtual(area, oldSize: oldSize, newSize: newSize, gfp: gfp) }
        if moved != nil { noteFree(bytes: oldSize, remote: false) }
        return allocated(moved, bytes: newSize, gfp: gfp)
    }

    @inlinable @inline(__always)
    public mutating func allocPercpu(size: Int, align: Int, gfp: GFP = .kernel) -> UnsafeMutableRawPointer? {
        allocated(timed { $0.allocPercpu(size: size, align: align, gfp: gfp) }, bytes: size, gfp: gfp)
    }

    @inlinable @inline(__always)
    public mutating func freePercpu(_ area: UnsafeMutableRawPointer, size: Int, align: Int) {
        timed { $0.freePercpu(area, size: size, align: align) }
        noteFree(bytes: size, remote: false)
    }

    /// The workload's own store into a block it holds, counted in bytes_touched (every engine
    /// must see the same touches for a row to compare).
    @inlinable @inline(__always)
    public mutating func write<T: BitwiseCopyable>(_ value: T, to block: UnsafeMutableRawPointer, at offset: Int = 0) {
        block.storeBytes(of: value, toByteOffset: offset, as: T.self)
        counters.touchedBytes &+= MemoryLayout<T>.size
    }

    /// The workload's own load from a block it holds, counted in bytes_touched.
    @inlinable @inline(__always)
    public mutating func read<T: BitwiseCopyable>(_ type: T.Type, from block: UnsafeMutableRawPointer, at offset: Int = 0) -> T {
        counters.touchedBytes &+= MemoryLayout<T>.size
        return block.load(fromByteOffset: offset, as: T.self)
    }

    /// memset of `count` bytes of a block the workload holds, counted in bytes_touched.
    @inlinable @inline(__always)
    public mutating func fill(_ block: UnsafeMutableRawPointer, count: Int, with byte: UInt8) {
        block.initializeMemory(as: UInt8.self, repeating: byte, count: count)
        counters.touchedBytes &+= count
    }

    /// Bytes the workload read or wrote itself some other way (a memcmp, a copy).
    public mutating func noteTouched(_ bytes: Int) { counters.touchedBytes &+= bytes }

    /// Counts work dropped before any allocation was tried.
    public mutating func noteDrop() { counters.drops += 1 }

    /// One engine call, timed when the sampler picks it.
    @inlinable @inline(__always)
    mutating func timed<T>(_ call: (inout Worker) -> T) -> T {
        let start = sampler.start()
        let result = call(&worker)
        sampler.stop(start)
        return result
    }

    @inlinable @inline(__always)
    mutating func allocated(_ block: UnsafeMutableRawPointer?, bytes: Int, gfp: GFP) -> UnsafeMutableRawPointer? {
        guard block != nil else {
            counters.failures &+= 1
            if !gfp.allowsBlocking { counters.atomicFailures &+= 1 }
            return nil
        }
        counters.allocations &+= 1
        liveSlot.allocated(bytes)
        return block
    }

    @inlinable @inline(__always)
    mutating func noteFree(bytes: Int, remote: Bool) {
        counters.frees &+= 1
        if remote { counters.remoteFrees &+= 1 }
        liveSlot.freed(bytes)
    }
}
