import CKMemShims
import Synchronization

/// A CPU's magazines for one cache. It sits in the CPU's 64-byte block right after the slot
/// that lends it out, so taking the slot and using the magazines touch one cache line. Its
/// fields are struct kmem_cpu_block's after the slot, in that order (RseqLayoutTests).
/// Only the thread that took the slot touches `loaded` and `previous`.
@usableFromInline
struct CPUMagazines: ~Copyable {
    /// Bonwick's loaded magazine, Linux's main sheaf.
    @usableFromInline var loaded: Magazine
    /// Bonwick's previous magazine, Linux's spare sheaf.
    @usableFromInline var previous: Magazine
    // Events, relaxed load + store by the slot holder (on the rseq path an increment inside
    // the sequence, at the same offsets: struct kmem_cpu_block).
    @usableFromInline let allocations = Atomic<Int>(0)
    @usableFromInline let frees = Atomic<Int>(0)
    @usableFromInline let allocMisses = Atomic<Int>(0)
    @usableFromInline let freeMisses = Atomic<Int>(0)

    init(loaded: Magazine, previous: Magazine) {
        self.loaded = loaded
        self.previous = previous
    }
}

/// struct kmem_cache: objects of one size carved from slabs, with a per-CPU layer in front.
public final class KmemCache: @unchecked Sendable {
    // Sendable: immutable configuration, pointer-addressed state guarded by the node's list
    // lock, the per-CPU slots (atomic exchange) or atomics, as documented on each structure.

    /// Bytes per CPU block of the magazine designs: the slot and its CPUMagazines, padded to a
    /// cache line, as struct kmem_cpu_block in CKMemShims.h lays them out for the rseq sequences.
    @inlinable static var cpuBlockShift: Int { KMEM_CPU_BLOCK_SHIFT }

    public let name: String
    public let layout: SlabLayout
    public let flags: SlabFlags
    /// The kernel profile the cache was created under.
    public let profile: KernelProfile
    /// The per-CPU design asked for.
    public let requestedDesign: PerCPUDesign
    /// The design in force: debug caches and capacity 0 run without a per-CPU layer, as in
    /// the kernel. Chosen once here; the fast path switches on it.
    public let design: PerCPUDesign
    public let useroffset: Int
    public let usersize: Int
    let constructor: (@Sendable (UnsafeMutableRawPointer) -> Void)?
    /// kmalloc caches remember each object's requested size when debugging.
    let isKmalloc: Bool

    @usableFromInline unowned(unsafe) let allocator: SlabAllocator
    @usableFromInline unowned(unsafe) let pages: PageAllocator
    @usableFromInline let memoryBase: UnsafeMutableRawPointer
    @usableFromInline let memorySize: UInt
    @usableFromInline let descriptors: PagePointer
    /// Free-pointer hardening: free pointers are stored as next ^ secret ^ swab(slot address).
    @usableFromInline let secret: UInt
    /// The model's hardened double-free check on every free (SlabAllocator.Configuration
    /// .hardenedFreeCheck); off, as in the kernel, the per-CPU caches never touch the object.
    @usableFromInline let checksEveryFree: Bool
    /// 2^32 / size rounded up: object index = offset * reciprocal >> 32 (reciprocal_divide).
    @usableFromInline let reciprocal: UInt64
    @usableFromInline let node: UnsafeMutablePointer<KmemCacheNode>
    /// failslab, checked on every allocation as slab_pre_alloc_hook does.
    @usableFromInline let failslab: Failslab
    /// Per-CPU blocks, nil when the cache has no per-CPU layer.
    @usableFromInline let cpuBlocks: UnsafeMutableRawPointer?
    @usableFromInline let cpus: Int
    /// A sheaves cache of capacity 0 (design `none` beneath): every CPU's slot holds the shared
    /// empty bootstrap sheaf, so each operation takes and returns the CPU's slot before the slab
    /// layer serves it, as the kernel's pcs lock and bootstrap_sheaf make it.
    @usableFromInline let usesBootstrapSheaf: Bool
    /// The rseq fast path is in use (asked for, available, and the cache has a per-CPU layer).
    @usableFromInline let usesRseq: Bool
    /// How kmem_cache_alloc and kmem_cache_free go, chosen once: their fast path is one switch
    /// on it (KmemCache+Alloc.swift).
    @usableFromInline let route: Route
    /// A magazine design's refill, for the miss path (nil for the other designs).
    let magazinePolicy: (any MagazinePolicy.Type)?
    let depot: UnsafeMutablePointer<Depot>
    /// The cache new magazines come from: kmem_magazine_N for the current capacity N (Bonwick
    /// grows it under depot contention, up to the max), nil without a per-CPU layer. Held
    /// unretained (magazine caches live until shutdown) and swapped only in process context,
    /// so the miss paths, which any context runs, find it without taking slab_mutex.
    let magazineSource = Atomic<UnsafeMutableRawPointer?>(nil)
    let maxMagazineCapacity: Int
    /// Page flags for new slabs: the zone and mobility the cache's flags ask for.
    let slabGFP: GFP

    // Events.
    /// A CPU's per-CPU cache found in use by another context on the model CPU, by the context
    /// that found it, the waits that then got it and the nanoseconds all waits took
    /// (KmemCache+SharedCPU.swift).
    let busyInProcess = Atomic<Int>(0)
    let busyInSoftirq = Atomic<Int>(0)
    let busyInHardirq = Atomic<Int>(0)
    let cpuWaits = Atomic<Int>(0)
    let cpuWaitNs = Atomic<Int>(0)
    @usableFromInline let allocFailures = Atomic<Int>(0)
    /// SLUB's cpu_partial (objects) and cpu_partial_slabs: set_cpu_partial's limit on a CPU's
    /// partial slabs, counted in slabs assumed half full, as the kernel converts it.
    public let cpuPartial: Int
    let cpuPartialSlabs: Int
    /// SLUB: objects in full slabs, which are on no list (for slabinfo).
    let fullSlabObjects = Atomic<Int>(0)
    /// The magazine (sheaf) capacity, or cpu_partial, the cache was made with.
    let initialCapacity: Int
    /// Bonwick's magazine growths, and the depot contention its last working-set pass saw.
    let magazineGrowths = Atomic<Int>(0)
    let lastContention = Atomic<Int>(0)
    let destroyed = Atomic<Bool>(false)

    var isRetired: Bool { destroyed.load(ordering: .relaxed) }

    public var objectSize: Int { layout.objectSize }
    public var size: Int { layout.size }

    public var isDebug: Bool { !flags.intersection(.debugFlags).isEmpty }
    public var fastPath: PerCPUFastPath { usesRseq ? .rseq : .exchange }

    struct Parameters {
        var profile: KernelProfile
        var design: PerCPUDesign
        var fastPath: PerCPUFastPath
        /// nil: the design's (for sheaves, the profile's) default by slot size.
        var magazineCapacity: Int?
        var sheafCapacity: Int?
        var maxMagazineCapacity: Int
        var depotFullCap: Int
        var depotEmptyCap: Int
        var slabMaxOrder: Int
        var hardenedFreeCheck: Bool
    }

    init(name: String, size: Int, align: Int, flags: SlabFlags, useroffset: Int, usersize: Int,
         constructor: (@Sendable (UnsafeMutableRawPointer) -> Void)?, isKmalloc: Bool,
         parameters: Parameters, allocator: SlabAllocator, secret: UInt) {
        self.name = name
        self.flags = flags
        self.requestedDesign = parameters.design
        self.useroffset = useroffset
        self.usersize = usersize
        self.constructor = constructor
        self.isKmalloc = isKmalloc
        self.allocator = allocator
        self.pages = allocator.pages
        self.failslab = allocator.pages.failslab
        self.secret = secret
        let debug = !flags.intersection(.debugFlags).isEmpty
        checksEveryFree = parameters.hardenedFreeCheck && !debug
        layout = SlabLayout(objectSize: size, align: align, flags: flags, hasConstructor: constructor != nil,
                            keepsOrigSize: isKmalloc && debug, cpus: allocator.pages.cpus,
                            maxOrder: parameters.slabMaxOrder)
        memoryBase = allocator.pages.memory.base
        memorySize = UInt(allocator.pages.memory.size)
        descriptors = allocator.pages.memory.pages
        reciprocal = ((1 << 32) + UInt64(layout.size) - 1) / UInt64(layout.size)
        cpus = allocator.pages.cpus
        let sizeLog = Int.bitWidth - 1 - layout.size.leadingZeroBitCount
        node = .allocate(capacity: 1)
        node.initialize(to: KmemCacheNode(minPartial: min(max(sizeLog / 2, 5), 10)))
        depot = .allocate(capacity: 1)
        depot.initialize(to: Depot(fullCap: parameters.depotFullCap, emptyCap: parameters.depotEmptyCap))
        var gfp: GFP = []
        if flags.contains(.cacheDMA) { gfp.insert(.dma) }
        if flags.contains(.reclaimAccount) { gfp.insert(.reclaimable) }
        slabGFP = gfp
        profile = parameters.profile
        let policy = parameters.design.policy
        let capacity = parameters.magazineCapacity ?? (parameters.design == .sheaves
            ? parameters.profile.sheafCapacity(slotSize: layout.size, requested: parameters.sheafCapacity)
            : policy.defaultCapacity(slotSize: layout.size))
        initialCapacity = capacity
        maxMagazineCapacity = max(parameters.maxMagazineCapacity, capacity)
        let perCPU = !debug && policy.hasPerCPULayer(capacity: capacity)
        design = perCPU ? parameters.design : .none
        // Sheaves of capacity 0: each CPU's slot holds the bootstrap sheaf (Sheaves.bootstrapSheaf).
        usesBootstrapSheaf = !debug && !perCPU && parameters.design == .sheaves
        cpuBlocks = perCPU ? .allocate(byteCount: cpus << policy.cpuBlockShift, alignment: 64)
            : usesBootstrapSheaf ? .allocate(byteCount: cpus << KmemCache.cpuBlockShift, alignment: 64) : nil
        cpuPartial = design == .slub ? capacity : 0
        cpuPartialSlabs = (cpuPartial * 2 + layout.objectsPerSlab - 1) / layout.objectsPerSlab
        // rseq indexes the blocks by the real CPU, so it applies only when the model has the
        // machine's CPUs: with fewer, a thread on a higher CPU would find no block and wait out
        // perCPUWait on every call; with more, model CPUs sharing a real one would share its
        // caches where the kernel they model gives each its own.
        usesRseq = perCPU && design.hasMagazines && parameters.fastPath == .rseq && PerCPUFastPath.rseqAvailable
            && cpus == CPU.configuredCount
        magazinePolicy = design.policy as? any MagazinePolicy.Type
        route = !perCPU || checksEveryFree ? .slow : design == .slub ? .slub : usesRseq ? .rseq : .exchange
    }

    /// Formats the per-CPU blocks as the design lays them out. Separate from init because a
    /// design may need `self` (magazines come from the allocator's magazine caches).
    func setUpCPUBlocks() throws(KMemError) {
        if cpuBlocks != nil { try design.policy.setUp(self, capacity: initialCapacity) }
    }

    deinit {
        node.deinitialize(count: 1)
        node.deallocate()
        depot.deinitialize(count: 1)
        depot.deallocate()
        if let blocks = cpuBlocks {
            design.policy.deinitializeBlocks(self)
            blocks.deallocate()
        }
    }

    @inlinable @inline(__always) var currentCPU: Int {
        let cpu = CPU.current
        return cpu < cpus ? cpu : cpu % cpus
    }

    /// The slot of a CPU: holds its CPUMagazines while no one uses them, nil while lent out.
    @inlinable func slot(_ blocks: UnsafeMutableRawPointer, cpu: Int) -> UnsafeMutablePointer<Atomic<UnsafeMutableRawPointer?>> {
        (blocks + cpu << KmemCache.cpuBlockShift).assumingMemoryBound(to: Atomic<UnsafeMutableRawPointer?>.self)
    }

    /// A CPU's magazines, right after its slot. Only whoever holds the slot may touch them.
    func magazines(_ blocks: UnsafeMutableRawPointer, cpu: Int) -> UnsafeMutablePointer<CPUMagazines> {
        (blocks + cpu << KmemCache.cpuBlockShift + KMEM_CPU_BLOCK_MAGAZINES).assumingMemoryBound(to: CPUMagazines.self)
    }
}

extension KmemCache {
    /// Changes the depot's (barn's) caps on a live cache. Magazines beyond a lowered cap leave
    /// as they are next exchanged; the depot never waits for them.
    public func setDepotCaps(full: Int, empty: Int) throws(KMemError) {
        guard full >= 0, empty >= 0 else {
            throw .configuration("\(name): depot caps must not be negative (full \(full), empty \(empty))")
        }
        depot.pointee.fullCap.store(full, ordering: .relaxed)
        depot.pointee.emptyCap.store(empty, ordering: .relaxed)
    }

    /// Changes the capacity of magazines made from now on (the resize Bonwick's growth does);
    /// magazines of another size are swapped as they pass through the depot.
    public func setMagazineCapacity(_ capacity: Int) throws(KMemError) {
        guard cpuBlocks != nil, design.hasMagazines else {
            throw .configuration("\(name) has no magazines (design \(design.rawValue), capacity 0 or a debug cache)")
        }
        guard (1...65_536).contains(capacity) else {
            throw .configuration("\(name): magazine capacity must be 1...65536, got \(capacity)")
        }
        useMagazines(capacity: capacity)
        purgeDepot()
    }

    /// Makes new magazines `capacity` objects big. Process context only: it may create the
    /// magazine cache, under slab_mutex.
    func useMagazines(capacity: Int) {
        let source = allocator.magazineCache(capacity: capacity)
        magazineSource.store(Unmanaged.passUnretained(source).toOpaque(), ordering: .releasing)
    }

    var magazineSourceCache: KmemCache? {
        magazineSource.load(ordering: .acquiring).map { Unmanaged<KmemCache>.fromOpaque($0).takeUnretainedValue() }
    }

    /// Capacity of new magazines; 0 without a per-CPU layer.
    var magazineCapacity: Int { magazineSourceCache.map { Magazine.capacity(objectSize: $0.objectSize) } ?? 0 }
}
