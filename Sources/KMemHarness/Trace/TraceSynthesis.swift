import KMem

/// Synthetic traces: deterministic for a seed, with every feature a real trace has (named
/// caches and kmalloc, process, softirq and hardirq events, cross-CPU frees, frees of objects
/// from before the recording, kfree(NULL), pages of orders 0-2 with zone-lock events, objects
/// live at the end). The built-in one is what the `trace` workload replays without `file=`.
public enum TraceSynthesis {
    public static let builtin = synthetic(cpus: 2, events: 3000, seed: 1)

    static let caches: [(name: String, size: UInt32, allocated: UInt32, atomic: Bool)] = [
        ("filp", 184, 192, false), ("dentry", 192, 192, false), ("skbuff_head_cache", 232, 256, true),
    ]
    static let kmallocSizes: [UInt32] = [24, 64, 96, 200, 1000]

    public static func synthetic(cpus: Int, events: Int, seed: UInt64) -> Trace {
        var builder = Builder(cpus: cpus, seed: seed)
        builder.preRecording()
        while builder.count < events { builder.step() }
        return builder.trace
    }

    struct Builder {
        var trace: Trace
        var random: Random
        var time: UInt64 = 1_000_000_000
        var nextObject: UInt64 = 0xffff_8881_0000_0000
        var nextPage: UInt64 = 0x10_0000
        /// Live objects: (address, kind, cache or size index).
        var live: [(address: UInt64, event: TraceEvent)] = []
        var livePages: [TraceEvent] = []
        var strings: [String: UInt32] = ["": 0]
        var count = 0

        init(cpus: Int, seed: UInt64) {
            trace = Trace(source: "synthetic (seed \(seed))", hasContext: true, cpus: Array(repeating: [], count: cpus))
            random = Random(seed: seed, stream: 0)
        }

        mutating func string(_ text: String) -> UInt32 {
            if let index = strings[text] { return index }
            trace.strings.append(text)
            strings[text] = UInt32(trace.strings.count - 1)
            return UInt32(trace.strings.count - 1)
        }

        mutating func append(_ event: TraceEvent, cpu: Int) {
            trace.cpus[cpu].append(event)
            count += 1
        }

        mutating func event(_ kind: TraceEventKind, _ address: UInt64, site: String) -> TraceEvent {
            time += 200 + UInt64(random.below(2000))
            var event = TraceEvent(timestamp: time, address: address, kind: kind)
            event.callSite = string(site)
            return event
        }

        /// Frees of objects allocated before the recording, and a kfree(NULL).
        mutating func preRecording() {
            append(event(.kfree, 0xffff_8880_dead_0000, site: "kfree_skb+0x20/0x90"), cpu: 0)
            append(event(.kfree, 0, site: "vm_area_free+0x1c/0x90"), cpu: 0)
            var page = event(.pageFree, 0x8_0000, site: "")
            page.callSite = 0
            append(page, cpu: trace.cpus.count - 1)
        }

        mutating func step() {
            let cpu = random.below(trace.cpus.count)
            let roll = random.below(100)
            switch roll {
            case 0..<30: allocateFromCache(cpu)
            case 30..<50: kmalloc(cpu)
            case 50..<85: freeObject(cpu)
            case 85..<95: allocatePages(cpu)
            default: freePages(cpu)
            }
        }

        mutating func allocateFromCache(_ cpu: Int) {
            let cache = TraceSynthesis.caches[random.below(TraceSynthesis.caches.count)]
            var allocation = event(.cacheAlloc, nextObject, site: "\(cache.name)_alloc+0x3c/0x110")
            nextObject += 256
            allocation.name = string(cache.name)
            allocation.bytesRequested = cache.size
            allocation.bytesAllocated = cache.allocated
            allocation.gfp = string(cache.atomic ? "GFP_ATOMIC|__GFP_NOWARN" : "GFP_KERNEL")
            if cache.atomic { allocation.flags = [.softirq] }
            live.append((allocation.address, allocation))
            append(allocation, cpu: cpu)
        }

        mutating func kmalloc(_ cpu: Int) {
            let size = TraceSynthesis.kmallocSizes[random.below(TraceSynthesis.kmallocSizes.count)]
            var allocation = event(.kmalloc, nextObject, site: "kmalloc_site_\(size)+0x10/0x40")
            nextObject += 1024
            allocation.bytesRequested = size
            allocation.bytesAllocated = Kmalloc.roundUp(size)
            // One in ten from a hardirq handler, atomically.
            let hardirq = random.below(10) == 0
            allocation.gfp = string(hardirq ? "GFP_ATOMIC" : "GFP_KERNEL|__GFP_ZERO")
            if hardirq { allocation.flags = [.hardirq, .irqsOff] }
            if random.below(4) == 0 { allocation.flags.insert(.accounted) }
            live.append((allocation.address, allocation))
            append(allocation, cpu: cpu)
        }

        mutating func freeObject(_ cpu: Int) {
            guard !live.isEmpty else { return kmalloc(cpu) }
            let (address, allocation) = live.remove(at: random.below(live.count))
            var free = event(allocation.kind == .kmalloc ? .kfree : .cacheFree, address, site: "free_site+0x8/0x30")
            free.name = allocation.name
            free.flags = allocation.flags.intersection([.softirq])
            append(free, cpu: cpu)
        }

        mutating func allocatePages(_ cpu: Int) {
            let order = UInt8([0, 0, 0, 0, 0, 0, 1, 2][random.below(8)])
            if order == 0 && random.below(6) == 0 {
                var locked = event(.zoneLocked, nextPage, site: "")
                locked.callSite = 0
                locked.flags = [.irqsOff, .percpuRefill]
                locked.migratetype = 1
                append(locked, cpu: cpu)
            }
            var allocation = event(.pageAlloc, nextPage, site: "")
            allocation.callSite = 0
            nextPage += 8
            allocation.order = order
            allocation.migratetype = order == 0 ? 1 : 0
            allocation.gfp = string(order == 0 ? "GFP_HIGHUSER_MOVABLE|__GFP_ZERO|__GFP_COMP" : "GFP_KERNEL|__GFP_COMP")
            livePages.append(allocation)
            append(allocation, cpu: cpu)
        }

        mutating func freePages(_ cpu: Int) {
            guard !livePages.isEmpty else { return allocatePages(cpu) }
            let allocation = livePages.remove(at: random.below(livePages.count))
            var free = event(.pageFree, allocation.address, site: "")
            free.callSite = 0
            free.order = allocation.order
            append(free, cpu: cpu)
        }
    }
}

extension Kmalloc {
    /// The kmalloc size class a request lands in (kmalloc_size_roundup).
    static func roundUp(_ size: UInt32) -> UInt32 {
        UInt32(sizes.first { $0 >= Int(size) } ?? Int(size))
    }
}
