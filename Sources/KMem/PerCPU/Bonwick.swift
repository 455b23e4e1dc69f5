import Synchronization

/// Bonwick & Adams (USENIX 2001), as illumos kmem has it: a loaded and a previous magazine per
/// CPU, a depot without hard caps whose working set the reaper trims every interval, a single
/// object from the slab layer when the depot has no full magazine, and magazines that grow to
/// the next size when the depot is contended.
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

    /// Magazine sizes a contended depot moves a cache through (kmem_magazine_type).
    static let capacities = [1, 3, 7, 15, 31, 47, 63, 95, 143]

    @usableFromInline
    static func refill(_ cache: KmemCache, _ loaded: Magazine, _ gfp: GFP, caller: Caller) -> UnsafeMutableRawPointer? {
        cache.allocateFromNode(gfp, caller: caller)
    }

    /// kmem_depot_ws_reap, then kmem_cache_magazine_resize: frees the magazines the depot did
    /// not need during the last interval (its low-water marks), and grows the magazine size if
    /// the depot was contended more than 3 times.
    @usableFromInline
    static func reap(_ cache: KmemCache) {
        let depot = cache.depot
        let caller = Caller(file: #fileID, line: #line)
        for _ in 0..<depot.pointee.full.resetLowWater() {
            guard let magazine = depot.pointee.full.pop() else { break }
            cache.flush(magazine, caller: caller)
            cache.allocator.freeMagazine(magazine)
        }
        for _ in 0..<depot.pointee.empty.resetLowWater() {
            guard let magazine = depot.pointee.empty.pop() else { break }
            cache.allocator.freeMagazine(magazine)
        }
        _ = depot.pointee.full.resetLowWater()
        _ = depot.pointee.empty.resetLowWater()
        let contention = depot.pointee.contention
        let previous = cache.lastContention.exchange(contention, ordering: .relaxed)
        if contention - previous > 3 { grow(cache) }
    }

    @usableFromInline
    static func grow(_ cache: KmemCache) {
        let current = cache.magazineCapacity
        guard let next = capacities.first(where: { $0 > current }), next <= cache.maxMagazineCapacity else { return }
        cache.useMagazines(capacity: next)
        cache.magazineGrowths.wrappingAdd(1, ordering: .relaxed)
        cache.purgeDepot()
    }

    @usableFromInline
    static func statistics(_ cache: KmemCache, into info: inout SlabInfo) {
        magazineStatistics(cache, into: &info)
        info.magazineGrowths = cache.magazineGrowths.load(ordering: .relaxed)
    }
}
