/// failslab's own switches (mm/failslab.c), with the kernel's defaults.
public struct FailslabFilter: Sendable {
    /// ignore-gfp-wait: requests that may block (__GFP_DIRECT_RECLAIM) never fail.
    public var ignoreGfpWait = true
    /// cache-filter: when set, only caches with these names fail (the kernel marks them with
    /// SLAB_FAILSLAB through each cache's `failslab` file).
    public var cacheNames: Set<String>? = nil

    public init() {}
}

/// failslab: fault injection at the slab allocator's entry.
public typealias Failslab = FaultAttr<FailslabFilter>

extension FaultAttr where Filter == FailslabFilter {
    /// should_failslab, for the slab layer to call after `isEnabled`. __GFP_NOFAIL requests
    /// are never failed. The name is only read when the filter is set.
    public func shouldFailslab(cacheName: @autoclosure () -> String, objectSize: Int, gfp: GFP) -> Bool {
        guard !gfp.contains(.nofail) else { return false }
        return shouldFail(size: objectSize, nowarn: gfp.contains(.nowarn)) { filter in
            !(filter.ignoreGfpWait && gfp.allowsBlocking)
                && filter.cacheNames.map { $0.contains(cacheName()) } ?? true
        }
    }
}
