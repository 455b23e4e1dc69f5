/// What a workload asks an engine for. An engine declares the kinds it serves and the runner
/// only pairs a workload with engines that serve all of its kinds.
public struct RequestKinds: OptionSet, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// kmalloc-style objects of a byte size (malloc on the baselines).
    public static let objects = RequestKinds(rawValue: 1 << 0)
    /// 2^order physically contiguous pages (4096 << order bytes, 4096-aligned on the baselines).
    public static let pages = RequestKinds(rawValue: 1 << 1)
    /// Objects from a named cache of one size (kmem_cache_alloc; malloc of that size elsewhere).
    public static let caches = RequestKinds(rawValue: 1 << 2)
    /// Virtually contiguous areas of a size and alignment (vmalloc; malloc or mmap elsewhere).
    public static let virtual = RequestKinds(rawValue: 1 << 3)
    /// Elements of a reserve pool over a cache (mempool_alloc; malloc elsewhere).
    public static let pools = RequestKinds(rawValue: 1 << 4)
    /// Per-CPU areas of a size and alignment (alloc_percpu; aligned malloc elsewhere).
    public static let percpu = RequestKinds(rawValue: 1 << 5)

    public static let all: RequestKinds = [.objects, .pages, .caches, .virtual, .pools, .percpu]

    static let names: [(RequestKinds, String)] = [
        (.objects, "objects"), (.pages, "pages"), (.caches, "caches"), (.virtual, "virtual"),
        (.pools, "pools"), (.percpu, "percpu"),
    ]

    public var description: String {
        Self.names.filter { contains($0.0) }.map(\.1).joined(separator: "+")
    }
}
