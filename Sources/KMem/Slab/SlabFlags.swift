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
