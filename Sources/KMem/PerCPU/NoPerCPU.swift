/// No per-CPU layer: every allocation and free takes the node's list lock. Also what a debug
/// cache or a cache of capacity 0 runs, whatever design was asked for, as in the kernel.
@usableFromInline
enum NoPerCPU: PerCPUPolicy {
    @usableFromInline
    static func defaultCapacity(slotSize: Int) -> Int { 0 }
    @usableFromInline
    static var defaultDepotCap: Int { 0 }

    @inlinable
    static func allocate(_ cache: KmemCache, _ gfp: GFP, caller: Caller) -> UnsafeMutableRawPointer? {
        cache.allocateFromNode(gfp, caller: caller)
    }

    @inlinable
    static func free(_ cache: KmemCache, _ object: UnsafeMutableRawPointer, slab: PagePointer,
                     caller: Caller) throws(KMemError) {
        var single = object
        if let problem = cache.returnToNode(&single, count: 1, caller: caller) { throw problem }
    }

    @usableFromInline
    static var cpuBlockShift: Int { 0 }
    @usableFromInline
    static func hasPerCPULayer(capacity: Int) -> Bool { false }
    @usableFromInline
    static func setUp(_ cache: KmemCache, capacity: Int) throws(KMemError) {}
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
    static func statistics(_ cache: KmemCache, into info: inout SlabInfo) {}
}
