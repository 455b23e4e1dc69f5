/// The slab caches a trace uses, busiest first: named caches by their traced name and object
/// size (bytes_req of kmem_cache_alloc), kmalloc by its size class (`kmalloc-<bytes_alloc>`,
/// as the kernel and the model name those caches).
public struct TraceCacheUse: Sendable, Equatable {
    public var name: String
    public var objectSize: Int
    public var allocations = 0
    public var frees = 0
    public var isKmalloc: Bool

    public var events: Int { allocations + frees }

    /// Per cache, busiest first (ties by name). Frees count toward their allocation's cache;
    /// unpaired frees toward the cache they name, or are left out (kfree without a size).
    public static func of(_ trace: Trace, _ pairing: TracePairing) -> [TraceCacheUse] {
        var uses: [String: TraceCacheUse] = [:]
        for (position, ref) in pairing.order.enumerated() {
            var event = trace.cpus[Int(ref.cpu)][Int(ref.index)]
            let isFree = event.kind == .kfree || event.kind == .cacheFree
            if isFree {
                let allocated = pairing.allocation[position]
                guard allocated >= 0 else { continue }
                let origin = pairing.order[Int(allocated)]
                event = trace.cpus[Int(origin.cpu)][Int(origin.index)]
            }
            guard event.kind == .kmalloc || event.kind == .cacheAlloc, event.address != 0 else { continue }
            let name = cacheName(event, trace)
            var use = uses[name] ?? TraceCacheUse(name: name, objectSize: 0, isKmalloc: event.kind == .kmalloc)
            use.objectSize = max(use.objectSize, Int(event.kind == .kmalloc ? event.bytesAllocated : event.bytesRequested))
            if isFree { use.frees += 1 } else { use.allocations += 1 }
            uses[name] = use
        }
        return uses.values.sorted { ($1.events, $0.name) < ($0.events, $1.name) }
    }

    /// The cache an allocation came from. Kernels before 6.0 did not print kmem_cache_alloc's
    /// name: such caches are told apart by size.
    public static func cacheName(_ event: TraceEvent, _ trace: Trace) -> String {
        if event.kind == .kmalloc { return "kmalloc-" + kmallocSize(Int(event.bytesAllocated)) }
        return event.name != 0 ? trace.string(event.name) : "cache-\(event.bytesAllocated)"
    }
}

extension TraceCacheUse {
    /// kmalloc-64, kmalloc-1k: the size part of a kmalloc cache's name, as the kernel writes it.
    static func kmallocSize(_ size: Int) -> String { size >= 1024 && size % 1024 == 0 ? "\(size / 1024)k" : "\(size)" }
}
