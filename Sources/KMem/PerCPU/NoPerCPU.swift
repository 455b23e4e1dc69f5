import Synchronization

/// No per-CPU layer: every allocation and free takes the node's list lock. Also what a debug
/// cache or a cache of capacity 0 runs, whatever design was asked for, as in the kernel; a
/// sheaves cache of capacity 0 first looks at its CPU's bootstrap sheaf (Sheaves.bootstrapSheaf).
@usableFromInline
enum NoPerCPU: PerCPUPolicy {
    @usableFromInline
    static func defaultCapacity(slotSize: Int) -> Int { 0 }
    @usableFromInline
    static var defaultDepotCap: Int { 0 }

    @inlinable
    static func allocate(_ cache: KmemCache, _ gfp: GFP, caller: Caller) -> UnsafeMutableRawPointer? {
        if cache.usesBootstrapSheaf { cache.visitBootstrapSheaf() }
        return cache.allocateFromNode(gfp, caller: caller)
    }

    @inlinable
    static func free(_ cache: KmemCache, _ object: UnsafeMutableRawPointer, slab: PagePointer,
                     caller: Caller) throws(KMemError) {
        if cache.usesBootstrapSheaf { cache.visitBootstrapSheaf() }
        var single = object
        if let problem = cache.returnToNode(&single, count: 1, caller: caller) { throw problem }
    }

    @usableFromInline
    static var cpuBlockShift: Int { 0 }
    @usableFromInline
    static func hasPerCPULayer(capacity: Int) -> Bool { false }
    /// A capacity-0 sheaves cache's slots get the bootstrap sheaf; nothing else has blocks.
    @usableFromInline
    static func setUp(_ cache: KmemCache, capacity: Int) throws(KMemError) {
        guard cache.usesBootstrapSheaf, let blocks = cache.cpuBlocks else { return }
        for cpu in 0..<cache.cpus {
            (blocks + (cpu << KmemCache.cpuBlockShift)).bindMemory(to: Atomic<UnsafeMutableRawPointer?>.self, capacity: 1)
                .initialize(to: Atomic(Sheaves.bootstrapSheaf.raw))
        }
    }
    @usableFromInline
    static func deinitializeBlocks(_ cache: KmemCache) {}
    @usableFromInline
    static func drain(_ cache: KmemCache, release: Bool) {}
    @usableFromInline
    static func reclaimableObjects(_ cache: KmemCache) -> Int { 0 }
    @usableFromInline
    static func shrink(_ cache: KmemCache) -> Int { 0 }
    @usableFromInline
    static func reap(_ cache: KmemCache) {}
    @usableFromInline
    static func statistics(_ cache: KmemCache, into info: inout SlabInfo) { cache.contextStatistics(into: &info) }
    /// Nothing is cached: every object is on a slab freelist or live.
    @usableFromInline
    static func audit(_ cache: KmemCache, _ audit: CacheAudit, listed: Set<Int>) {}
}
