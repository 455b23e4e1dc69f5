/// What a workload asks an engine for. An engine declares the kinds it serves and the runner
/// only pairs a workload with engines that serve all of its kinds.
///
/// Room to grow: named caches (kmem_cache_alloc), virtually contiguous areas (vmalloc) and
/// pool elements (mempool_alloc) become kinds here when the slab, vmalloc and mempool layers
/// land in KMem, each with its pair of methods on `EngineWorker`.
public struct RequestKinds: OptionSet, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// kmalloc-style objects of a byte size (malloc on the baselines).
    public static let objects = RequestKinds(rawValue: 1 << 0)
    /// 2^order physically contiguous pages (4096 << order bytes, 4096-aligned on the baselines).
    public static let pages = RequestKinds(rawValue: 1 << 1)

    public static let all: RequestKinds = [.objects, .pages]

    public var description: String {
        [(RequestKinds.objects, "objects"), (.pages, "pages")]
            .filter { contains($0.0) }.map(\.1).joined(separator: "+")
    }
}
