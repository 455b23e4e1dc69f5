// The slab layer's locking, as mm/slub.c states it at its top.
//
// Lock order (take only downwards):
//   1. slab_mutex (`caches`, `retired`, `magazineCaches`: LockedValue, a sleeping lock):
//      cache creation, destruction, listing and magazine resizing, process context only
//   2. a CPU's slot in a cache's per-CPU block (not a lock: an atomic exchange lends the
//      CPU's magazines to one holder; a context that finds it taken goes to the slab layer
//      instead of waiting, so no context ever waits for another here)
//   3. kmem_cache_node.list_lock (KmemCacheNode.listLock, a spinlock): the node's partial and
//      full lists, every slab's freelist and inuse count, nr_partial, nr_slabs, free_objects
//   4. the page allocator's locks (Page/PageAllocator.swift), reached only with no list lock
//      held: new slabs are allocated and empty ones discarded after the list lock is dropped
// Lock-free: the depot's (barn's) full and empty stacks (MagazineStack: tagged CAS), the
// cache's counters (relaxed atomics), and what the slot holder owns: its CPU's loaded and
// previous magazines and their rounds.
//
// Magazines are objects of the magazine caches (kmem_magazine_N, per-CPU design none): taking
// one while holding a slot goes 2 -> 3 of that cache -> 4. The miss paths find that cache
// through KmemCache.magazineSource and free a magazine through its slab's page, never
// through slab_mutex, so nothing an interrupt can reach sleeps.
//
// Debug-build checks: SpinLock.assertHeld() where a function needs the list lock, and the
// magazines' rounds bounds; both compiled out of release.

import Foundation
import Synchronization

/// The slab allocator: every kmem_cache, the kmalloc caches, the caches magazines come from,
/// and the settings that choose and size the per-CPU layer (users sweep them).
public final class SlabAllocator: @unchecked Sendable {
    // Sendable: the cache list is behind a lock (slab_mutex); everything else is immutable.

    public struct Configuration: Sendable {
        /// The kernel whose defaults caches take (design, sheaf capacity).
        public var profile = KernelProfile.newest
        /// The per-CPU design of every cache that does not ask for its own; nil: the profile's.
        public var design: PerCPUDesign? = nil
        /// How the per-CPU layer's fast path claims a CPU's magazines. The exchange honours the
        /// model CPU a thread sets (CPU.withCPU); rseq (the harness engine's default) uses the
        /// real CPU.
        public var fastPath: PerCPUFastPath = .exchange
        /// Magazine (sheaf) capacity, SLUB's cpu_partial; nil: by slot size as each design (and,
        /// for sheaves, the profile) sizes it.
        public var magazineCapacity: Int? = nil
        /// Largest capacity Bonwick's growth on depot contention may reach.
        public var maxMagazineCapacity = 143
        /// Depot (barn) caps; nil: unbounded for Bonwick (its working set trims it), 10 for sheaves.
        public var depotFullCap: Int? = nil
        public var depotEmptyCap: Int? = nil
        /// slub_max_order.
        public var slabMaxOrder = 3
        /// slab_debug applied to every cache (F, Z, P, U).
        public var debug: SlabFlags = []
        /// The model's own double-free check on every free of a non-debug cache: each allocation
        /// marks the object and each free reads that mark, catching nearly every double free at
        /// the cost of touching the object on both paths. Off, as in the kernel, where only
        /// debug caches (slab_debug) check and SLUB's hardened freelist catches an object freed
        /// twice in a row (set_freepointer's naive check).
        public var hardenedFreeCheck = false
        /// How long at most a context that finds its CPU's per-CPU cache in use by another
        /// context on that CPU waits for that step to end, as the kernel serialises them
        /// (KmemCache+SharedCPU.swift). It spins for a step's worth, then yields its core to
        /// a holder the OS descheduled, so in practice it gives up only on a slot that never
        /// comes back (a destroyed cache). nil: it goes to the slab layer at once.
        public var perCPUWait: Duration? = .seconds(1)
        /// Bonwick's working-set interval; nil: no reaper thread (reap() by hand).
        public var reapInterval: Duration? = .seconds(15)

        public init() {}
    }

    public let configuration: Configuration
    public let pages: PageAllocator
    public var log: KernelLog { pages.log }
    let caches = LockedValue<[KmemCache]>([])
    /// Destroyed caches that still had objects: kept alive so those objects stay valid.
    let retired = LockedValue<[KmemCache]>([])
    let magazineCaches = LockedValue<[Int: KmemCache]>([:])
    private let secrets = LockedValue(SystemRandomNumberGenerator())
    /// kmalloc caches by index (see Kmalloc.swift), normal then DMA.
    @usableFromInline let kmallocCaches: UnsafeMutablePointer<Unmanaged<KmemCache>>
    /// The direct map (base, bytes) and the page descriptors, for kfree's address check.
    @usableFromInline let memoryBase: UnsafeMutableRawPointer
    @usableFromInline let memorySize: UInt
    @usableFromInline let descriptors: PagePointer
    var reaper: Reaper?

    public init(pages: PageAllocator, configuration: Configuration = Configuration()) throws(KMemError) {
        guard (0...PageAllocator.maxOrder).contains(configuration.slabMaxOrder) else {
            throw .configuration("slab max order must be 0...\(PageAllocator.maxOrder), got \(configuration.slabMaxOrder)")
        }
        if let capacity = configuration.magazineCapacity, !(0...65_536).contains(capacity) {
            throw .configuration("magazine capacity must be 0...65536, got \(capacity)")
        }
        for (name, cap) in [("depot full", configuration.depotFullCap), ("depot empty", configuration.depotEmptyCap)] {
            if let cap, cap < 0 { throw .configuration("\(name) cap must not be negative, got \(cap)") }
        }
        self.configuration = configuration
        self.pages = pages
        memoryBase = pages.memory.base
        memorySize = UInt(pages.memory.size)
        descriptors = pages.memory.pages
        kmallocCaches = .allocate(capacity: 2 * Kmalloc.sizes.count)
        try createKmallocCaches()
        if let interval = configuration.reapInterval { reaper = Reaper(allocator: self, interval: interval) }
    }

    deinit {
        reaper?.stop()
        kmallocCaches.deallocate()
    }

    /// kmem_cache_create / kmem_cache_create_usercopy. A zero or absurd size or alignment, or a
    /// usercopy region outside the object, is an error naming the problem (fatal with SLAB_PANIC).
    /// `sheafCapacity` is kmem_cache_args.sheaf_capacity: under the 6.18 profile it puts sheaves
    /// of that size in front of the cache (as maple_node and vm_area_struct ask); under 7.0 it
    /// is the least capacity. `design` and `magazineCapacity` override both, for experiments.
    public func kmemCacheCreate(_ name: String, size: Int, align: Int = 0, flags: SlabFlags = [],
                                useroffset: Int = 0, usersize: Int = 0, sheafCapacity: Int? = nil,
                                design: PerCPUDesign? = nil, magazineCapacity: Int? = nil, depotCap: Int? = nil,
                                constructor: (@Sendable (UnsafeMutableRawPointer) -> Void)? = nil) throws(KMemError) -> KmemCache {
        do {
            let cache = try createCache(name, size: size, align: align, flags: flags, useroffset: useroffset,
                                        usersize: usersize, sheafCapacity: sheafCapacity, design: design,
                                        magazineCapacity: magazineCapacity, isKmalloc: false, constructor: constructor)
            if let depotCap { try cache.setDepotCaps(full: depotCap, empty: depotCap) }
            return cache
        } catch {
            if flags.contains(.panic) { fatalError("kmem_cache_create: \(error)") }
            throw error
        }
    }

    func createCache(_ name: String, size: Int, align: Int, flags: SlabFlags, useroffset: Int, usersize: Int,
                     sheafCapacity: Int? = nil, design: PerCPUDesign?, magazineCapacity: Int?, isKmalloc: Bool,
                     constructor: (@Sendable (UnsafeMutableRawPointer) -> Void)?) throws(KMemError) -> KmemCache {
        let maxSize = PhysicalMemory.pageSize << PageAllocator.maxOrder
        guard !name.isEmpty else { throw .configuration("kmem_cache_create: a cache needs a name") }
        guard size > 0 && size <= maxSize / 2 else {
            throw .configuration("kmem_cache_create(\(name)): object size \(size) is outside 1...\(maxSize / 2)")
        }
        // Slabs are buddy blocks, aligned to their size, so any power of two a slab can hold works.
        guard align >= 0, align == 0 || align & (align - 1) == 0, align <= maxSize / 2 else {
            throw .configuration("kmem_cache_create(\(name)): alignment \(align) must be 0 or a power of two up to \(maxSize / 2)")
        }
        guard useroffset >= 0, usersize >= 0, useroffset + usersize <= size else {
            throw .configuration("kmem_cache_create_usercopy(\(name)): usercopy region \(useroffset)+\(usersize) lies outside the \(size)-byte object")
        }
        if let magazineCapacity, !(0...65_536).contains(magazineCapacity) {
            throw .configuration("kmem_cache_create(\(name)): magazine capacity must be 0...65536, got \(magazineCapacity)")
        }
        if let sheafCapacity, !(1...65_536).contains(sheafCapacity) {
            throw .configuration("kmem_cache_create(\(name)): sheaf capacity must be 1...65536, got \(sheafCapacity)")
        }
        let chosen = design ?? configuration.design ?? configuration.profile.design(sheafCapacity: sheafCapacity)
        if sheafCapacity != nil, chosen != .sheaves {
            throw .configuration("kmem_cache_create(\(name)): a sheaf capacity needs the sheaves design, not \(chosen.rawValue)")
        }
        let parameters = parameters(design: chosen, capacity: magazineCapacity, sheafCapacity: sheafCapacity)
        let cache = KmemCache(name: name, size: size, align: align, flags: flags.union(configuration.debug),
                              useroffset: useroffset, usersize: usersize, constructor: constructor,
                              isKmalloc: isKmalloc, parameters: parameters,
                              allocator: self, secret: secrets.withLock { UInt.random(in: 1...UInt.max, using: &$0) })
        try cache.setUpCPUBlocks()
        caches.withLock { $0.append(cache) }
        pages.registerShrinker(cache)
        return cache
    }

    func parameters(design: PerCPUDesign, capacity: Int?, sheafCapacity: Int? = nil) -> KmemCache.Parameters {
        let defaultCap = design.policy.defaultDepotCap
        return .init(profile: configuration.profile, design: design, fastPath: configuration.fastPath,
                     magazineCapacity: capacity ?? configuration.magazineCapacity, sheafCapacity: sheafCapacity,
                     maxMagazineCapacity: configuration.maxMagazineCapacity,
                     depotFullCap: configuration.depotFullCap ?? defaultCap,
                     depotEmptyCap: configuration.depotEmptyCap ?? defaultCap,
                     slabMaxOrder: configuration.slabMaxOrder,
                     hardenedFreeCheck: configuration.hardenedFreeCheck)
    }

    /// Every live cache (not the magazine caches).
    public var allCaches: [KmemCache] { caches.withLock { $0 } }

    // MARK: magazines

    /// The cache magazines of one capacity come from ("kmem_magazine_N", as in illumos).
    /// Magazine caches have no per-CPU layer of their own. Takes slab_mutex: process context only.
    func magazineCache(capacity: Int) -> KmemCache {
        magazineCaches.withLock { caches in
            if let cache = caches[capacity] { return cache }
            let cache = KmemCache(name: "kmem_magazine_\(capacity)", size: Magazine.bytes(capacity: capacity),
                                  align: 64, flags: [], useroffset: 0, usersize: 0, constructor: nil,
                                  isKmalloc: false,
                                  parameters: parameters(design: .none, capacity: 0),
                                  allocator: self, secret: secrets.withLock { UInt.random(in: 1...UInt.max, using: &$0) })
            caches[capacity] = cache
            return cache
        }
    }

    /// A magazine from its magazine cache, formatted empty.
    func allocateMagazine(from cache: KmemCache, gfp: GFP) -> Magazine? {
        guard let raw = cache.allocate(gfp.union(.nowarn), caller: Caller(file: #fileID, line: #line)) else { return nil }
        return Magazine.format(raw, capacity: Magazine.capacity(objectSize: cache.objectSize))
    }

    /// Back to its magazine cache, which its own slab names: no look-up under slab_mutex, as
    /// the miss paths that free magazines may run in any context.
    func freeMagazine(_ magazine: Magazine) {
        guard let cache = cacheOwning(magazine.raw) else {
            log.record(.slabBug, "BUG: freeing magazine 0x\(String(UInt(bitPattern: magazine.raw), radix: 16)): not a slab object")
            return
        }
        do { try cache.free(magazine.raw, caller: Caller(file: #fileID, line: #line)) } catch {
            log.record(.slabBug, "BUG: freeing magazine 0x\(String(UInt(bitPattern: magazine.raw), radix: 16)): \(error)")
        }
    }
}
