import CKMemShims

/// The per-CPU layer of a cache: the designs the harness compares. Each design is one
/// `PerCPUPolicy`, in a file of its own named after it; `policy` below is the registration.
public enum PerCPUDesign: String, Sendable, CaseIterable {
    /// SLUB's per-CPU slab (every kernel up to 6.18): a CPU slab with a lockless freelist,
    /// per-CPU partial slabs, frees to other slabs straight onto those slabs' freelists.
    case slub
    /// Bonwick & Adams: loaded and previous magazines, a depot with a working set.
    case bonwick
    /// Linux 6.18+ sheaves: main and spare sheaves, a per-node barn capped at 10 + 10.
    case sheaves
    /// No per-CPU layer: every operation takes the node's list lock.
    case none

    /// The one place a design is registered. A new case fails to compile here and in
    /// `KmemCache.allocate`/`free` (the fast-path dispatch), and nowhere else.
    var policy: any PerCPUPolicy.Type {
        switch self {
        case .slub: Slub.self
        case .bonwick: Bonwick.self
        case .sheaves: Sheaves.self
        case .none: NoPerCPU.self
        }
    }

    /// The capacity a cache of this design gets when the user sets none (0: no per-CPU layer),
    /// by the cache's slot size (object plus alignment and metadata, the kernel's s->size).
    public func defaultCapacity(slotSize: Int) -> Int { policy.defaultCapacity(slotSize: slotSize) }

    /// Whether `fastpath` applies: the rseq sequences work on the magazine layer's CPU blocks.
    public var hasMagazines: Bool { policy is any MagazinePolicy.Type }
}

/// What a per-CPU design is: its fast path, what it does when the fast path misses, how it
/// drains (kmem_cache_shrink, destroy), what it gives back under memory pressure, its periodic
/// work and its statistics. The slab layer beneath (KmemCache+Node.swift) is shared.
/// Every requirement is a static function of the cache, so a policy has no state of its own:
/// what a design keeps lives in the cache's per-CPU blocks and depot.
@usableFromInline
protocol PerCPUPolicy {
    /// Magazine (sheaf) capacity by object size, when the user sets none (SLUB: cpu_partial).
    static func defaultCapacity(slotSize: Int) -> Int
    /// Full and empty magazines the depot keeps each, when the user sets no cap.
    static var defaultDepotCap: Int { get }
    /// Bytes of one CPU's block, as a shift.
    static var cpuBlockShift: Int { get }
    /// Whether a cache of this design and capacity has a per-CPU layer at all.
    static func hasPerCPULayer(capacity: Int) -> Bool
    /// Formats a new cache's per-CPU blocks.
    static func setUp(_ cache: KmemCache, capacity: Int) throws(KMemError)
    /// Ends what the blocks hold, as the cache is freed (after drain(release: true)).
    static func deinitializeBlocks(_ cache: KmemCache)
    /// kmem_cache_alloc past the GFP checks and failslab.
    static func allocate(_ cache: KmemCache, _ gfp: GFP, caller: Caller) -> UnsafeMutableRawPointer?
    /// kmem_cache_free of an object already checked to be a live object of this cache. Throws
    /// what the design's own checks find (SLUB's naive double-free check), changing nothing.
    static func free(_ cache: KmemCache, _ object: UnsafeMutableRawPointer, slab: PagePointer,
                     caller: Caller) throws(KMemError)
    /// Every object the per-CPU layer caches goes back to the slabs; `release` also frees the
    /// layer's own memory for good (the cache is being destroyed).
    static func drain(_ cache: KmemCache, release: Bool)
    /// Free objects on the node's slabs (list lock held).
    static func nodeFreeObjects(_ cache: KmemCache) -> Int
    /// Objects reclaim could take from the per-CPU layer now (the shrinker's count).
    static func reclaimableObjects(_ cache: KmemCache) -> Int
    /// Gives back what reclaim may take (the shrinker's scan); returns the objects flushed.
    static func shrink(_ cache: KmemCache) -> Int
    /// The reaper thread's periodic pass.
    static func reap(_ cache: KmemCache)
    /// The layer's figures for slabinfo and the CSV.
    static func statistics(_ cache: KmemCache, into info: inout SlabInfo)
    /// The conservation audit of what the layer caches (quiescent: nothing lent out): every
    /// object it holds claimed in `audit` under the design's name for its place. `listed`: the
    /// slabs on the node's lists.
    static func audit(_ cache: KmemCache, _ audit: CacheAudit, listed: Set<Int>)
}

extension PerCPUPolicy {
    /// The node's own count, kept under the list lock by every design whose frees take it.
    @usableFromInline
    static func nodeFreeObjects(_ cache: KmemCache) -> Int { cache.node.pointee.freeObjects }
}

/// How a CPU's magazines are claimed on the fast path.
public enum PerCPUFastPath: String, Sendable, CaseIterable {
    /// Take the CPU's slot with an atomic exchange and put it back with a store: safe under
    /// migration, preemption and an interrupt on the same CPU, and it honours CPU.withCPU
    /// bindings; one locked instruction per operation (about 9.5 ns on these VMs).
    case exchange
    /// Pop and push inside restartable sequences (rseq), as tcmalloc does: the kernel restarts a
    /// sequence that was preempted, migrated or signalled, which gives user space what the kernel
    /// gets from disabling preemption, with no locked instruction. Misses still take the slot
    /// (by an exchange that is itself a sequence's commit), and a thread that takes another
    /// CPU's slot fences that CPU with membarrier. Uses the CPU the thread really runs on
    /// (CPU.withCPU bindings do not apply) and needs one block per machine CPU; x86-64 only.
    /// Where rseq or the membarrier fence is unavailable, caches fall back to `exchange`.
    case rseq

    /// Whether the rseq fast path can be used in this process (checked once).
    public static let rseqAvailable: Bool = kmem_rseq_register() == 0
}
