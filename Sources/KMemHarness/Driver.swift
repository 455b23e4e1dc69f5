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

    @inlinable
    public mutating func allocObject(size: Int, gfp: GFP = .kernel) -> UnsafeMutableRawPointer? {
        let start = sampler.start()
        let object = worker.allocObject(size: size, gfp: gfp)
        sampler.stop(start)
        noteAllocation(object, bytes: size, gfp: gfp)
        return object
    }

    @inlinable
    public mutating func freeObject(_ object: UnsafeMutableRawPointer, size: Int, remote: Bool = false) {
        let start = sampler.start()
        worker.freeObject(object, size: size)
        sampler.stop(start)
        noteFree(bytes: size, remote: remote)
    }

    @inlinable
    public mutating func allocPages(order: Int, gfp: GFP = .kernel) -> UnsafeMutableRawPointer? {
        let start = sampler.start()
        let pages = worker.allocPages(order: order, gfp: gfp)
        sampler.stop(start)
        noteAllocation(pages, bytes: 4096 << order, gfp: gfp)
        return pages
    }

    @inlinable
    public mutating func freePages(_ pages: UnsafeMutableRawPointer, order: Int, remote: Bool = false) {
        let start = sampler.start()
        worker.freePages(pages, order: order)
        sampler.stop(start)
        noteFree(bytes: 4096 << order, remote: remote)
    }

    /// Counts work dropped before any allocation was tried.
    public mutating func noteDrop() { counters.drops += 1 }

    @inlinable @inline(__always)
    mutating func noteAllocation(_ block: UnsafeMutableRawPointer?, bytes: Int, gfp: GFP) {
        guard block != nil else {
            counters.failures &+= 1
            if !gfp.allowsBlocking { counters.atomicFailures &+= 1 }
            return
        }
        counters.allocations &+= 1
        liveBytes &+= bytes
        liveSlot.pointee.store(liveBytes, ordering: .relaxed)
    }

    @inlinable @inline(__always)
    mutating func noteFree(bytes: Int, remote: Bool) {
        counters.frees &+= 1
        if remote { counters.remoteFrees &+= 1 }
        liveBytes &-= bytes
        liveSlot.pointee.store(liveBytes, ordering: .relaxed)
    }
}
