/// What the caller says is live when it asks for an audit: the allocations it holds, by
/// kind, and the holders whose memory the audit cannot find on its own. A nil count is not
/// checked (the audit only reports what it found); `nothingLive` checks that everything was
/// given back.
public struct AuditClaims: Sendable {
    /// Pages of blocks held straight from the page allocator (alloc_pages), summed.
    public var pages: Int?
    /// Large kmallocs (above 8 KiB, served as compound pages).
    public var largeKmallocs: Int?
    /// vmalloc areas (not those vfree_atomic has queued for its worker, which are counted apart).
    public var vmallocAreas: Int?
    /// vmap areas.
    public var vmapAreas: Int?
    /// alloc_percpu areas.
    public var percpuAreas: Int?
    /// Live objects by cache; caches not listed expect `unlistedCacheObjects` (nil: unchecked).
    var objects: [ObjectIdentifier: Int] = [:]
    public var unlistedCacheObjects: Int?
    public var holders: [any AuditHolder] = []

    /// Nothing claimed: the audit reports what it finds and checks only conservation.
    public init() {}

    /// Every count zero: the caller holds nothing.
    public static var nothingLive: AuditClaims {
        var claims = AuditClaims()
        claims.pages = 0
        claims.largeKmallocs = 0
        claims.vmallocAreas = 0
        claims.vmapAreas = 0
        claims.percpuAreas = 0
        claims.unlistedCacheObjects = 0
        return claims
    }

    /// The caller holds `count` objects of `cache` (kmalloc'ed ones count in their kmalloc cache).
    public mutating func setLive(_ count: Int, in cache: KmemCache) { objects[ObjectIdentifier(cache)] = count }

    func liveClaim(for cache: KmemCache) -> Int? { objects[ObjectIdentifier(cache)] ?? unlistedCacheObjects }
}
