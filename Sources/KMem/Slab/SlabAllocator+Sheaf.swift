/// Prefilled sheaves (include/linux/slab.h, 6.18): a caller that must not fail inside a
/// critical section (the maple tree, under its lock) takes a sheaf holding enough objects
/// beforehand, allocates from it without failing, and gives it back afterwards.
public struct SlabSheaf: @unchecked Sendable {
    // Sendable: a sheaf belongs to the caller that prefilled it until it is returned.
    let magazine: Magazine
    /// Larger than the cache's sheaf capacity: made for this request, freed on return.
    public let isOversize: Bool

    /// kmem_cache_sheaf_size: the objects left in the sheaf.
    public var size: Int { magazine.rounds }
    public var capacity: Int { magazine.capacity }
}

extension SlabAllocator {
    /// kmem_cache_prefill_sheaf: a sheaf with at least `size` objects: a full one from the
    /// barn, or a new one filled from the slabs; past the cache's sheaf capacity an oversize
    /// sheaf of exactly `size`. nil when memory for the objects cannot be had with `gfp`.
    public func kmemCachePrefillSheaf(_ cache: KmemCache, _ gfp: GFP, size: Int,
                                      file: StaticString = #fileID, line: UInt = #line) throws(KMemError) -> SlabSheaf? {
        guard cache.design == .sheaves else {
            throw .configuration("kmem_cache_prefill_sheaf(\(cache.name)): the cache has no sheaves (design \(cache.design.rawValue))")
        }
        guard (1...65_536).contains(size) else {
            throw .configuration("kmem_cache_prefill_sheaf(\(cache.name)): size must be 1...65536, got \(size)")
        }
        let gfp = MemallocScope.effective(gfp)
        if gfp.allowsBlocking { SleepCheck.mightSleep(pages.sleepCheck, "kmem_cache_prefill_sheaf", file: file, line: line) }
        let caller = Caller(file: file, line: line)
        let capacity = cache.magazineCapacity
        if size > capacity {
            // An oversize sheaf's magazine cache may have to be made: only where one may block.
            guard gfp.allowsBlocking,
                  let magazine = allocateMagazine(from: magazineCache(capacity: size), gfp: gfp) else { return nil }
            let sheaf = SlabSheaf(magazine: magazine, isOversize: true)
            guard fill(sheaf, cache, to: size, gfp, caller) else {
                release(sheaf, cache, caller)
                return nil
            }
            return sheaf
        }
        let barn = cache.depot
        var magazine = barn.pointee.full.pop()
        if let taken = magazine, taken.capacity != capacity {
            cache.flush(taken, caller: caller)
            freeMagazine(taken)
            magazine = nil
        }
        guard let magazine = magazine ?? barn.pointee.empty.pop() ?? cache.newMagazine(gfp) else { return nil }
        let sheaf = SlabSheaf(magazine: magazine, isOversize: false)
        guard fill(sheaf, cache, to: capacity, gfp, caller) || sheaf.size >= size else {
            release(sheaf, cache, caller)
            return nil
        }
        return sheaf
    }

    /// kmem_cache_alloc_from_sheaf: never fails while the sheaf has objects, whatever the
    /// fault injection; nil once it is empty.
    public func kmemCacheAllocFromSheaf(_ cache: KmemCache, _ gfp: GFP, _ sheaf: SlabSheaf,
                                        file: StaticString = #fileID, line: UInt = #line) -> UnsafeMutableRawPointer? {
        let gfp = MemallocScope.effective(gfp)
        if gfp.allowsBlocking { SleepCheck.mightSleep(pages.sleepCheck, "kmem_cache_alloc_from_sheaf", file: file, line: line) }
        guard sheaf.size > 0 else { return nil }
        let object = sheaf.magazine.pop()
        cache.postAllocate(object, gfp)
        return object
    }

    /// kmem_cache_refill_sheaf: tops the sheaf up to at least `size` objects, swapping it for an
    /// oversize one when `size` passes the cache's capacity. false (the sheaf unchanged, or
    /// partly refilled) when memory cannot be had with `gfp`.
    public func kmemCacheRefillSheaf(_ cache: KmemCache, _ gfp: GFP, _ sheaf: inout SlabSheaf, size: Int,
                                     file: StaticString = #fileID, line: UInt = #line) throws(KMemError) -> Bool {
        if sheaf.size >= size { return true }
        let caller = Caller(file: file, line: line)
        if size <= sheaf.capacity { return fill(sheaf, cache, to: size, gfp, caller) }
        guard let larger = try kmemCachePrefillSheaf(cache, gfp, size: size, file: file, line: line) else { return false }
        release(sheaf, cache, caller)
        sheaf = larger
        return true
    }

    /// kmem_cache_return_sheaf: a sheaf of the cache's capacity goes back to the barn, topped
    /// up when `gfp` allows; an oversize one, or one the barn has no room for, is flushed to the
    /// slabs and freed.
    public func kmemCacheReturnSheaf(_ cache: KmemCache, _ gfp: GFP, _ sheaf: SlabSheaf,
                                     file: StaticString = #fileID, line: UInt = #line) {
        let caller = Caller(file: file, line: line)
        let barn = cache.depot
        if !sheaf.isOversize, sheaf.capacity == cache.magazineCapacity, barn.pointee.hasRoomForFull,
           fill(sheaf, cache, to: sheaf.capacity, gfp, caller) {
            barn.pointee.full.push(sheaf.magazine)
            return
        }
        release(sheaf, cache, caller)
    }

    /// Refills from the slabs; true when the sheaf holds `target` objects.
    private func fill(_ sheaf: SlabSheaf, _ cache: KmemCache, to target: Int, _ gfp: GFP, _ caller: Caller) -> Bool {
        let magazine = sheaf.magazine
        if magazine.rounds < target {
            magazine.rounds += cache.takeFromNode(into: magazine.objects + magazine.rounds, count: target - magazine.rounds,
                                                  gfp: gfp, caller: caller)
        }
        return magazine.rounds >= target
    }

    private func release(_ sheaf: SlabSheaf, _ cache: KmemCache, _ caller: Caller) {
        cache.flush(sheaf.magazine, caller: caller)
        freeMagazine(sheaf.magazine)
    }
}
