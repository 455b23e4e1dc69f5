import Synchronization

/// Bonwick & Adams (USENIX 2001), as illumos kmem has it: a loaded and a previous magazine per
/// CPU, a depot without hard caps whose working set the reaper measures every interval and
/// memory pressure reaps, a single object from the slab layer when the depot has no full
/// magazine, and magazines that grow to the next size when the depot is contended.
@usableFromInline
enum Bonwick: MagazinePolicy {
    /// illumos kmem's magazine types by object size.
    @usableFromInline
    static func defaultCapacity(slotSize: Int) -> Int {
        slotSize <= 64 ? 15 : slotSize <= 256 ? 7 : slotSize <= 3200 ? 3 : 1
    }

    /// Unbounded: the working set trims the depot instead.
    @usableFromInline
    static var defaultDepotCap: Int { Int.max }

    /// kmem_magtype: each magazine size, and the buffer size a cache must stay below to grow
    /// past it (mt_maxbuf; 0: the largest, never outgrown).
    static let magazineTypes: [(capacity: Int, maxBuffer: Int)] = [
        (1, 65536), (3, 32768), (7, 16384), (15, 8192), (31, 4096), (47, 2048), (63, 1024), (95, 512), (143, 0),
    ]

    @usableFromInline
    static func refill(_ cache: KmemCache, _ gfp: GFP, caller: Caller) -> UnsafeMutableRawPointer? {
        cache.allocateFromNode(gfp, caller: caller)
    }

    /// kmem_cache_update's periodic work: kmem_depot_ws_update, then kmem_cache_magazine_resize
    /// when the depot was contended more than kmem_depot_contention (3) times in the interval.
    /// Nothing is freed here: reaping waits for memory pressure.
    @usableFromInline
    static func reap(_ cache: KmemCache) {
        let depot = cache.depot
        depot.pointee.full.updateWorkingSet()
        depot.pointee.empty.updateWorkingSet()
        let contention = depot.pointee.contention
        let previous = cache.lastContention.exchange(contention, ordering: .relaxed)
        if contention - previous > 3 { grow(cache) }
    }

    /// kmem_reap under memory pressure (the shrinker's scan): kmem_depot_ws_reap frees the
    /// magazines the depot did not need in either of the last two intervals.
    @usableFromInline
    static func shrink(_ cache: KmemCache) -> Int {
        let depot = cache.depot
        let caller = Caller(file: #fileID, line: #line)
        var objects = 0
        for _ in 0..<depot.pointee.full.reapable {
            guard let magazine = depot.pointee.full.pop() else { break }
            objects += magazine.rounds
            cache.discard(magazine, caller: caller)
        }
        for _ in 0..<depot.pointee.empty.reapable {
            guard let magazine = depot.pointee.empty.pop() else { break }
            cache.allocator.freeMagazine(magazine)
        }
        return objects
    }

    /// The shrinker's count: rounds in the magazines a reap would free.
    @usableFromInline
    static func reclaimableObjects(_ cache: KmemCache) -> Int {
        cache.depot.pointee.full.reapable * cache.magazineCapacity
    }

    /// kmem_cache_magazine_resize: the next magazine size while the buffer is smaller than the
    /// current type's mt_maxbuf (and the user's maximum allows it), after purging every CPU's
    /// magazines and the depot (kmem_cache_magazine_purge).
    @usableFromInline
    static func grow(_ cache: KmemCache) {
        let current = cache.magazineCapacity
        guard let index = magazineTypes.lastIndex(where: { $0.capacity <= current }),
              cache.layout.size < magazineTypes[index].maxBuffer, index + 1 < magazineTypes.count,
              magazineTypes[index + 1].capacity <= cache.maxMagazineCapacity else { return }
        cache.flushCPUs(release: false)
        cache.purgeDepot()
        cache.useMagazines(capacity: magazineTypes[index + 1].capacity)
        cache.magazineGrowths.wrappingAdd(1, ordering: .relaxed)
    }

    @usableFromInline
    static func statistics(_ cache: KmemCache, into info: inout SlabInfo) {
        magazineStatistics(cache, into: &info)
        info.magazineGrowths = cache.magazineGrowths.load(ordering: .relaxed)
    }
}
