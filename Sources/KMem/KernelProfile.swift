/// The kernel version whose defaults the model takes: which per-CPU design a cache gets and
/// how big its sheaves are. `bonwick` and `none` are designs any profile can be told to use.
public enum KernelProfile: String, Sendable, CaseIterable {
    /// Linux 6.18: SLUB's per-CPU slabs on every cache; sheaves only in front of caches created
    /// with a sheaf capacity (maple_node and vm_area_struct ask for 32), of exactly that size.
    case v6_18 = "6.18"
    /// The sheaves-for-all series after 6.18: sheaves on every cache, kmalloc's included, sized
    /// by calculate_sheaf_capacity; no CPU slabs.
    case v7_0 = "7.0"

    public static let newest = KernelProfile.v7_0

    /// Whether kvmalloc may fall back to vmalloc for a request that must not block: 6.18's
    /// vmalloc cannot serve one (__kvmalloc_node returns NULL); the 7.0 series' vmalloc can.
    public var vmallocServesNonBlocking: Bool { self == .v7_0 }

    /// The design of a cache created with `sheafCapacity` (kmem_cache_args.sheaf_capacity).
    public func design(sheafCapacity: Int?) -> PerCPUDesign {
        switch self {
        case .v6_18: sheafCapacity.map { $0 > 0 } == true ? .sheaves : .slub
        case .v7_0: .sheaves
        }
    }

    /// The sheaf capacity a cache of this slot size gets: 6.18 takes the one asked for as it
    /// is; 7.0 takes calculate_sheaf_capacity's, or the one asked for when that is larger. A
    /// cache told to use sheaves without asking for a size gets calculate_sheaf_capacity's.
    public func sheafCapacity(slotSize: Int, requested: Int?) -> Int {
        switch self {
        case .v6_18: requested ?? Sheaves.calculatedCapacity(slotSize: slotSize)
        case .v7_0: max(Sheaves.calculatedCapacity(slotSize: slotSize), requested ?? 0)
        }
    }
}
