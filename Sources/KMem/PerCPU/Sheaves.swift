/// Linux's sheaves (6.18+): a main and a spare sheaf per CPU, a per-node barn capped at 10 full
/// and 10 empty sheaves, and a main sheaf refilled from the slabs in bulk when the barn has no
/// full one and the caller may block. No periodic work: the barn's caps stand in for a working
/// set. Prefilled sheaves for critical sections: SlabAllocator+Sheaf.swift.
@usableFromInline
enum Sheaves: MagazinePolicy {
    @usableFromInline
    static func defaultCapacity(slotSize: Int) -> Int { calculatedCapacity(slotSize: slotSize) }

    /// calculate_sheaf_capacity: 4/12/26/60 by slot size, then grown until struct slab_sheaf
    /// (a 32-byte header and the object pointers) fills its kmalloc bucket: 4, 12, 28, 60.
    static func calculatedCapacity(slotSize: Int) -> Int {
        let base = slotSize >= PhysicalMemory.pageSize ? 4 : slotSize >= 1024 ? 12 : slotSize >= 256 ? 26 : 60
        let header = 32, pointer = MemoryLayout<UnsafeRawPointer>.stride
        let bucket = Kmalloc.sizes.first { $0 >= header + base * pointer } ?? header + base * pointer
        return (bucket - header) / pointer
    }

    @usableFromInline
    static var defaultDepotCap: Int { 10 }

    /// bootstrap_sheaf: the one empty sheaf of capacity 0 that every CPU of a cache without
    /// sheaves points at, so the fast path needs no "has sheaves" test: it finds the main sheaf
    /// empty, has no barn to refill from, and goes to the slab layer. Never written.
    nonisolated(unsafe) static let bootstrapSheaf = Magazine.format(
        .allocate(byteCount: Magazine.bytes(capacity: 0), alignment: 64), capacity: 0)

    /// __pcs_replace_empty_main: only a caller that may block refills, and it does so without
    /// the CPU: an empty sheaf from the barn (or a new one, alloc_full_sheaf) is filled from
    /// the slabs in bulk, then, with the CPU again, installed (KmemCache.installRefilled). An
    /// atomic caller, or one that cannot get a sheaf, takes one object from the slab layer.
    @usableFromInline
    static func refill(_ cache: KmemCache, _ gfp: GFP, caller: Caller) -> UnsafeMutableRawPointer? {
        guard gfp.allowsBlocking, let sheaf = cache.depot.pointee.empty.pop() ?? cache.newMagazine(gfp) else {
            return cache.allocateFromNode(gfp, caller: caller)
        }
        sheaf.rounds = cache.takeFromNode(into: sheaf.objects, count: sheaf.capacity, gfp: gfp, caller: caller)
        guard sheaf.rounds > 0 else {
            cache.allocator.freeMagazine(sheaf)
            return nil
        }
        let object = sheaf.pop()
        cache.installRefilled(sheaf, caller: caller)
        return object
    }

    @usableFromInline
    static func reap(_ cache: KmemCache) {}

    @usableFromInline
    static func statistics(_ cache: KmemCache, into info: inout SlabInfo) { magazineStatistics(cache, into: &info) }
}

/// The sheaves patch set's names for a magazine and the depot.
typealias Sheaf = Magazine
typealias Barn = Depot
