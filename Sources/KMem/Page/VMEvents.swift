/// Allocator-wide slow-path events, named as /proc/vmstat names them. Hot-path counts live per
/// CPU in PerCPUPages and per zone.
public enum VMEvent: Int, CaseIterable, Sendable {
    case allocationFailures, reserveAllocations, oomEvents
    /// allocstall: direct reclaim entered by an allocating thread.
    case allocStalls, directReclaimedPages
    case kswapdWakeups
    /// pageoutrun: kswapd balancing passes.
    case kswapdRuns, kswapdReclaimedPages, kswapdFailures
    case drainAll, slabsScanned

    public var name: String {
        switch self {
        case .allocationFailures: "pgalloc_fail"
        case .reserveAllocations: "pgalloc_reserve"
        case .oomEvents: "oom_kill"
        case .allocStalls: "allocstall"
        case .directReclaimedPages: "pgsteal_direct"
        case .kswapdWakeups: "kswapd_wakeup"
        case .kswapdRuns: "pageoutrun"
        case .kswapdReclaimedPages: "pgsteal_kswapd"
        case .kswapdFailures: "kswapd_failures"
        case .drainAll: "drain_all_pages"
        case .slabsScanned: "slabs_scanned"
        }
    }
}
