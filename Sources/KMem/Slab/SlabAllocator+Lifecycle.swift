/// kmem_cache_shrink, kmem_cache_destroy and shutdown; the cache as a shrinker.
extension SlabAllocator {
    /// kmem_cache_shrink: every CPU's magazines and the depot flushed to the slabs, then every
    /// empty slab back to the buddy allocator. Returns the objects whose slabs were freed.
    @discardableResult
    public func kmemCacheShrink(_ cache: KmemCache) -> Int {
        cache.design.policy.drain(cache, release: false)
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
        cache.design.policy.drain(cache, release: true)
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
    /// Allocated objects with their slabs: every slab of the cache, found among the page
    /// descriptors (a design may keep full slabs on no list, as SLUB does), its freelist walked.
    /// List lock held inside.
    func liveObjects() -> [(UnsafeMutableRawPointer, PagePointer)] {
        var live: [(UnsafeMutableRawPointer, PagePointer)] = []
        node.lock()
        forEachSlabPage { slab in
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

extension KmemCache {
    /// Every slab (head page) of this cache, on a list or not.
    func forEachSlabPage(_ body: (PagePointer) -> Void) {
        let count = Int(memorySize) >> PhysicalMemory.pageShift
        let me = opaqueSelf
        var pfn = 0
        while pfn < count {
            let page = descriptors + pfn
            if page.pointee.flags.contains(.slab), page.pointee.slabCache == me {
                body(page)
                pfn += 1 << Int(page.pointee.order)
            } else {
                pfn += 1
            }
        }
    }
}

extension KmemCache: Shrinker {
    /// Objects reclaim could free now: rounds in depot magazines and free objects on slabs.
    public func countObjects(_ control: ShrinkControl) -> Int {
        node.lock()
        let free = design.policy.nodeFreeObjects(self)
        node.unlock()
        return design.policy.reclaimableObjects(self) + free
    }

    /// Under memory pressure the per-CPU layer gives back what its design allows (the depot,
    /// for the magazine designs) and empty slabs are freed.
    public func scanObjects(_ control: ShrinkControl) -> Int {
        design.policy.shrink(self) + discardEmptySlabs()
    }
}

extension SlabAllocator {
    /// One periodic pass of every cache's per-CPU design (Bonwick's working set; what the
    /// reaper thread runs).
    public func reap() {
        for cache in allCaches { cache.design.policy.reap(cache) }
    }
}

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
