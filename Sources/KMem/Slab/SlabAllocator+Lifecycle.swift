import CKMemShims

/// kmem_cache_shrink and kmem_cache_destroy, and the flushing they share with reclaim.
extension SlabAllocator {
    /// kmem_cache_shrink: every CPU's magazines and the depot flushed to the slabs, then every
    /// empty slab back to the buddy allocator. Returns the objects whose slabs were freed.
    @discardableResult
    public func kmemCacheShrink(_ cache: KmemCache) -> Int {
        cache.flushCPUs(release: false)
        cache.purgeDepot()
        return cache.discardEmptySlabs()
    }

    /// kmem_cache_destroy. A cache that still has objects is reported as the kernel reports it
    /// ("Slab cache still has objects"), each object named, and kept: its objects stay valid
    /// and may still be freed. Returns the objects still allocated.
    @discardableResult
    public func kmemCacheDestroy(_ cache: KmemCache, file: StaticString = #fileID, line: UInt = #line) -> Int {
        guard !cache.destroyed.exchange(true, ordering: .acquiringAndReleasing) else {
            log.record(.warning, "WARNING: at \(file):\(line): kmem_cache_destroy(\(cache.name)) of a destroyed cache")
            return 0
        }
        caches.withLock { $0.removeAll { $0 === cache } }
        pages.unregisterShrinker(cache)
        cache.flushCPUs(release: true)
        cache.purgeDepot()
        cache.discardEmptySlabs()
        let live = cache.liveObjects()
        guard !live.isEmpty else { return 0 }
        retired.withLock { $0.append(cache) }
        var lines = ["kmem_cache_destroy \(cache.name): Slab cache still has objects when called from \(file):\(line)",
                     "Objects remaining in \(cache.name) on __kmem_cache_shutdown()"]
        for (object, slab) in live {
            lines.append("Object 0x\(cache.hex(object)) @offset=\(object - cache.slabAddress(slab))")
            let tracks = cache.trackDescription(object)
            if !tracks.isEmpty { lines.append(tracks) }
        }
        log.record(.slabBug, lines.joined(separator: "\n"))
        return live.count
    }
}

extension KmemCache {
    /// Empties every CPU's magazines into the slabs. `release` also frees the magazines and
    /// leaves the slots empty for good (the cache is going away). A slot held by another thread
    /// for longer than a few thousand yields is skipped.
    func flushCPUs(release: Bool) {
        guard let blocks = cpuBlocks else { return }
        for cpu in 0..<cpus {
            let slot = self.slot(blocks, cpu: cpu)
            var held: UnsafeMutableRawPointer?
            for _ in 0..<10_000 {
                held = takeForeignSlot(blocks, cpu: cpu)
                if held != nil { break }
                sched_yield()
            }
            guard let held else { continue }
            let state = held.assumingMemoryBound(to: CPUMagazines.self)
            let caller = Caller(file: #fileID, line: #line)
            flush(state.pointee.loaded, caller: caller)
            flush(state.pointee.previous, caller: caller)
            if release {
                allocator.freeMagazine(state.pointee.loaded)
                allocator.freeMagazine(state.pointee.previous)
            } else {
                slot.pointee.store(held, ordering: .releasing)
            }
        }
    }

    /// Every magazine in the depot flushed and freed. Returns the objects flushed.
    @discardableResult
    func purgeDepot() -> Int {
        var objects = 0
        while let magazine = depot.pointee.full.pop() {
            objects += magazine.rounds
            flush(magazine, caller: Caller(file: #fileID, line: #line))
            allocator.freeMagazine(magazine)
        }
        while let magazine = depot.pointee.empty.pop() { allocator.freeMagazine(magazine) }
        return objects
    }

    /// Allocated objects with their slabs (walks every slab's freelist; lock held inside).
    func liveObjects() -> [(UnsafeMutableRawPointer, PagePointer)] {
        var live: [(UnsafeMutableRawPointer, PagePointer)] = []
        node.lock()
        node.forEachSlab(pages: descriptors) { slab in
            let count = Int(slab.pointee.objects)
            var free = [Bool](repeating: false, count: count)
            var current = slab.pointee.freelist
            var steps = 0
            while let object = current, steps < count, let index = objectIndex(object, in: slab) {
                free[index] = true
                steps += 1
                current = UnsafeMutableRawPointer(bitPattern: freePointer(object))
            }
            for index in 0..<count where !free[index] { live.append((object(at: index, in: slab), slab)) }
        }
        node.unlock()
        return live
    }
}

/// Bonwick's working set and magazine growth (kmem_depot_ws_reap, kmem_cache_magazine_resize).
extension KmemCache {
    /// Frees the magazines the depot did not need during the last interval (its low-water
    /// marks), and grows the magazine size if the depot was contended more than 3 times.
    func reapWorkingSet() {
        let caller = Caller(file: #fileID, line: #line)
        for _ in 0..<depot.pointee.full.resetLowWater() {
            guard let magazine = depot.pointee.full.pop() else { break }
            flush(magazine, caller: caller)
            allocator.freeMagazine(magazine)
        }
        for _ in 0..<depot.pointee.empty.resetLowWater() {
            guard let magazine = depot.pointee.empty.pop() else { break }
            allocator.freeMagazine(magazine)
        }
        _ = depot.pointee.full.resetLowWater()
        _ = depot.pointee.empty.resetLowWater()
        let contention = depot.pointee.contention
        let previous = lastContention.exchange(contention, ordering: .relaxed)
        if contention - previous > 3 { growMagazines() }
    }

    func growMagazines() {
        let current = magazineCapacity.load(ordering: .relaxed)
        guard let next = KmemCache.bonwickCapacities.first(where: { $0 > current }), next <= maxMagazineCapacity else { return }
        magazineCapacity.store(next, ordering: .relaxed)
        magazineGrowths.wrappingAdd(1, ordering: .relaxed)
        purgeDepot()
    }
}

extension KmemCache: Shrinker {
    /// Objects reclaim could free now: rounds in depot magazines and free objects on slabs.
    public func countObjects(_ control: ShrinkControl) -> Int {
        node.lock()
        let free = node.pointee.freeObjects
        node.unlock()
        return depot.pointee.full.count.load(ordering: .relaxed) * magazineCapacity.load(ordering: .relaxed) + free
    }

    /// Under memory pressure the depot is emptied into the slabs and empty slabs are freed.
    public func scanObjects(_ control: ShrinkControl) -> Int {
        purgeDepot() + discardEmptySlabs()
    }
}

extension SlabAllocator {
    /// One working-set pass over every Bonwick cache (what the reaper thread runs).
    public func reap() {
        for cache in allCaches where cache.design == .bonwick { cache.reapWorkingSet() }
    }
}

/// The thread that runs Bonwick's working-set reaping every interval.
final class Reaper: @unchecked Sendable {
    // The allocator is held unretained (it stops this thread in its deinit; a weak reference
    // would slow every retain of it, see Kswapd); the rest are thread-safe.
    private let allocator: Unmanaged<SlabAllocator>
    private let wakeups = DispatchSemaphore(value: 0)
    private let exited = DispatchSemaphore(value: 0)
    private let stopping = Atomic<Bool>(false)
    private let threadID = Atomic<Int32>(0)
    private let interval: Duration

    init(allocator: SlabAllocator, interval: Duration) {
        self.allocator = Unmanaged.passUnretained(allocator)
        self.interval = interval
        let thread = Thread { [self] in run() }
        thread.name = "kmem_reap"
        thread.start()
    }

    func stop() {
        stopping.store(true, ordering: .releasing)
        wakeups.signal()
        if threadID.load(ordering: .acquiring) != kmem_shim_gettid() { exited.wait() }
    }

    private func run() {
        threadID.store(kmem_shim_gettid(), ordering: .releasing)
        defer { exited.signal() }
        let nanoseconds = Int(interval.components.seconds) * 1_000_000_000 + Int(interval.components.attoseconds / 1_000_000_000)
        while !stopping.load(ordering: .acquiring) {
            _ = wakeups.wait(timeout: .now() + .nanoseconds(max(nanoseconds, 1_000_000)))
            if stopping.load(ordering: .acquiring) { return }
            allocator._withUnsafeGuaranteedRef { $0.reap() }
        }
    }
}

import Foundation
import Synchronization

extension SlabAllocator {
    /// Destroys every cache, the kmalloc caches included, then the magazine caches (which the
    /// others' magazines live in). Returns the objects still allocated (reported as
    /// kmem_cache_destroy reports them). A model-only verb: it lets a test or an experiment
    /// check that every page went back to the buddy allocator.
    @discardableResult
    public func shutdown() -> Int {
        reaper?.stop()
        reaper = nil
        var leaked = allCaches.reduce(0) { $0 + kmemCacheDestroy($1) }
        let magazines = magazineCaches.withLock { caches in
            defer { caches = [:] }
            return Array(caches.values)
        }
        for cache in magazines {
            cache.discardEmptySlabs()
            let live = cache.liveObjects().count
            if live > 0 { retired.withLock { $0.append(cache) } }
            leaked += live
        }
        return leaked
    }
}
