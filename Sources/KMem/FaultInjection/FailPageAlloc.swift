/// fail_page_alloc's own switches (mm/fail_page_alloc.c), with the kernel's defaults.
public struct FailPageAllocFilter: Sendable {
    /// Requests below this order never fail.
    public var minOrder = 1
    /// ignore-gfp-wait: requests that may block (__GFP_DIRECT_RECLAIM) never fail.
    public var ignoreGfpWait = true
    /// ignore-gfp-highmem: __GFP_HIGHMEM requests never fail.
    public var ignoreGfpHighmem = true

    public init() {}
}

/// fail_page_alloc: fault injection at the page allocator's entry.
public typealias FailPageAlloc = FaultAttr<FailPageAllocFilter>

extension FaultAttr where Filter == FailPageAllocFilter {
    /// should_fail_alloc_page. __GFP_NOFAIL requests are never failed.
    @usableFromInline
    func shouldFailAllocPage(_ gfp: GFP, order: Int) -> Bool {
        guard !gfp.contains(.nofail) else { return false }
        return shouldFail(size: PhysicalMemory.pageSize << order, nowarn: gfp.contains(.nowarn)) { filter in
            order >= filter.minOrder
                && !(filter.ignoreGfpHighmem && gfp.contains(.highmem))
                && !(filter.ignoreGfpWait && gfp.allowsBlocking)
        }
    }
}
