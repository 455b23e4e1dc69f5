/// The kmem tracepoints a trace holds, with their numbers in the file format
/// (docs/trace-format.md). Older kernels' kmalloc_node and kmem_cache_alloc_node are read as
/// kmalloc and kmem_cache_alloc: their fields are the same.
public enum TraceEventKind: UInt8, CaseIterable, Sendable {
    case kmalloc = 0, kfree, cacheAlloc, cacheFree, pageAlloc, pageFree, pageFreeBatched, zoneLocked, pcpuDrain

    /// The tracepoint's name, as tracefs and perf spell it (without the `kmem:` group).
    public var eventName: String {
        switch self {
        case .kmalloc: "kmalloc"
        case .kfree: "kfree"
        case .cacheAlloc: "kmem_cache_alloc"
        case .cacheFree: "kmem_cache_free"
        case .pageAlloc: "mm_page_alloc"
        case .pageFree: "mm_page_free"
        case .pageFreeBatched: "mm_page_free_batched"
        case .zoneLocked: "mm_page_alloc_zone_locked"
        case .pcpuDrain: "mm_page_pcpu_drain"
        }
    }

    /// Events whose `address` is a page frame number rather than an object pointer.
    public var isPageEvent: Bool { rawValue >= TraceEventKind.pageAlloc.rawValue }
    public var isAllocation: Bool { self == .kmalloc || self == .cacheAlloc || self == .pageAlloc }
    /// mm_page_free_batched is not a free of its own: free_unref_folios fires it after
    /// free_pages_prepare has fired mm_page_free for the same page, so it is an observation.
    public var isFree: Bool { self == .kfree || self == .cacheFree || self == .pageFree }
}

/// The context bits of an event (from ftrace's latency field: irqs off, softirq, hardirq,
/// NMI), plus the two boolean fields some events carry.
public struct TraceEventFlags: OptionSet, Hashable, Sendable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let irqsOff = TraceEventFlags(rawValue: 1 << 0)
    public static let softirq = TraceEventFlags(rawValue: 1 << 1)
    public static let hardirq = TraceEventFlags(rawValue: 1 << 2)
    public static let nmi = TraceEventFlags(rawValue: 1 << 3)
    /// kmalloc and kmem_cache_alloc: `accounted=true` (charged to a memory cgroup).
    public static let accounted = TraceEventFlags(rawValue: 1 << 4)
    /// mm_page_alloc_zone_locked: `percpu_refill=1`.
    public static let percpuRefill = TraceEventFlags(rawValue: 1 << 5)

    static let known: TraceEventFlags = [.irqsOff, .softirq, .hardirq, .nmi, .accounted, .percpuRefill]
}

/// One recorded event. Strings (call site, cache name, GFP flags as the kernel printed them)
/// are indices into the trace's dictionary, 0 meaning absent.
public struct TraceEvent: Hashable, Sendable {
    /// Nanoseconds on the trace clock.
    public var timestamp: UInt64
    /// The object pointer (slab events) or the page frame number (page events).
    public var address: UInt64
    public var kind: TraceEventKind
    public var flags: TraceEventFlags = []
    public var callSite: UInt32 = 0
    public var name: UInt32 = 0
    public var gfp: UInt32 = 0
    public var bytesRequested: UInt32 = 0
    public var bytesAllocated: UInt32 = 0
    public var node: Int32 = -1
    public var order: UInt8 = 0
    public var migratetype: Int8 = 0

    public init(timestamp: UInt64, address: UInt64, kind: TraceEventKind) {
        self.timestamp = timestamp
        self.address = address
        self.kind = kind
    }
}
