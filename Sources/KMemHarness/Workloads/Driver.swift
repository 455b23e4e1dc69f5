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
    @usableFromInline var liveBytes = 0
    @usableFromInline let liveSlot: UnsafePointer<Atomic<Int>>

    init(worker: Worker, sampler: LatencySampler, liveSlot: UnsafePointer<Atomic<Int>>) {
        self.worker = worker
        self.sampler = sampler
        self.liveSlot = liveSlot
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
        liveBytes &+= bytes
        liveSlot.pointee.store(liveBytes, ordering: .relaxed)
        return block
    }

    @inlinable @inline(__always)
    mutating func noteFree(bytes: Int, remote: Bool) {
        counters.frees &+= 1
        if remote { counters.remoteFrees &+= 1 }
        liveBytes &-= bytes
        liveSlot.pointee.store(liveBytes, ordering: .relaxed)
    }
}
