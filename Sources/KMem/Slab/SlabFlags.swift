import CKMemShims

/// kmem_cache_create flags (include/linux/slab.h), with the kernel's names.
public struct SlabFlags: OptionSet, Hashable, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// SLAB_CONSISTENCY_CHECKS (slab_debug F): check objects and slabs at free.
    public static let consistencyChecks = SlabFlags(rawValue: 1 << 0)
    /// SLAB_RED_ZONE (Z): guard bytes around each object.
    public static let redZone = SlabFlags(rawValue: 1 << 1)
    /// SLAB_POISON (P): fill free objects with 0x6b (last byte 0xa5).
    public static let poison = SlabFlags(rawValue: 1 << 2)
    /// SLAB_STORE_USER (U): remember who allocated and freed each object.
    public static let storeUser = SlabFlags(rawValue: 1 << 3)
    /// SLAB_HWCACHE_ALIGN: align objects to cache lines.
    public static let hwcacheAlign = SlabFlags(rawValue: 1 << 4)
    /// SLAB_CACHE_DMA: slabs come from ZONE_DMA.
    public static let cacheDMA = SlabFlags(rawValue: 1 << 5)
    /// SLAB_RECLAIM_ACCOUNT: slabs are reclaimable (their pages are grouped as such).
    public static let reclaimAccount = SlabFlags(rawValue: 1 << 6)
    /// SLAB_PANIC: a failed kmem_cache_create is fatal.
    public static let panic = SlabFlags(rawValue: 1 << 7)

    /// The slab_debug option letters F, Z, P, U.
    public static let debugFlags: SlabFlags = [.consistencyChecks, .redZone, .poison, .storeUser]

    /// Parses slab_debug option letters ("FZPU", any subset, case-insensitive; "-" for none).
    public init(debugOptions text: String) throws(KMemError) {
        var flags: SlabFlags = []
        for letter in text.uppercased() where letter != "-" {
            switch letter {
            case "F": flags.insert(.consistencyChecks)
            case "Z": flags.insert(.redZone)
            case "P": flags.insert(.poison)
            case "U": flags.insert(.storeUser)
            default: throw .configuration("unknown slab_debug option '\(letter)' in '\(text)': use any of F, Z, P, U")
            }
        }
        self = flags
    }

    public var debugOptions: String {
        let letters = [(SlabFlags.consistencyChecks, "F"), (.redZone, "Z"), (.poison, "P"), (.storeUser, "U")]
        let text = letters.filter { contains($0.0) }.map(\.1).joined()
        return text.isEmpty ? "-" : text
    }
}

/// The per-CPU layer of a cache: the designs the harness compares.
public enum PerCPUDesign: String, Sendable, CaseIterable {
    /// Bonwick & Adams: loaded and previous magazines, a depot with a working set.
    case bonwick
    /// Linux 6.18+ sheaves: main and spare sheaves, a per-node barn capped at 10 + 10.
    case sheaves
    /// No per-CPU layer: every operation takes the node's list lock.
    case none
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
