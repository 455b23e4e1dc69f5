/// vmalloc's counters. `vmallocPages` and `vmapPages` are gauges (pages mapped now).
enum VmallocEvent: Int, CaseIterable {
    case vmallocPages, vmapPages, failures, purges, purgedAreas, purgeRemaps, mapCalls, deferredFrees
}

/// A snapshot of the vmalloc space.
public struct VmallocStatistics: Sendable {
    /// Busy areas (vmalloc and vmap, including ones being set up).
    public var areas: Int
    /// Pages mapped by live vmalloc and vmap areas.
    public var vmallocPages: Int
    public var vmapPages: Int
    /// Areas freed but not yet purged, and their pages (guard pages included).
    public var lazyAreas: Int
    public var lazyPages: Int
    public var lazyMaxPages: Int
    public var purges: Int
    public var purgedAreas: Int
    /// mmap calls the purges needed (one per span unless busy areas cut it).
    public var purgeRemaps: Int
    /// mmap calls that mapped pages (one per run of contiguous frames).
    public var mapCalls: Int
    /// Requests that returned nil.
    public var failures: Int
    /// Frees handed to the vfree_atomic worker.
    public var deferredFrees: Int
    /// Free ranges in the free tree, and the largest of them in bytes.
    public var freeRanges: Int
    public var largestFreeRange: Int
}

extension Vmalloc {
    public func statistics() -> VmallocStatistics {
        let (areas, lazyAreas, lazyPages, freeRanges, largest) = withSpace { space in
            (space.busy.count, space.lazy.count, space.lazyPages, space.free.count, space.free.largest(in: space.nodes))
        }
        return VmallocStatistics(
            areas: areas, vmallocPages: events[.vmallocPages], vmapPages: events[.vmapPages],
            lazyAreas: lazyAreas, lazyPages: lazyPages, lazyMaxPages: lazyMaxPages,
            purges: events[.purges], purgedAreas: events[.purgedAreas], purgeRemaps: events[.purgeRemaps],
            mapCalls: events[.mapCalls], failures: events[.failures], deferredFrees: events[.deferredFrees],
            freeRanges: freeRanges, largestFreeRange: largest)
    }

    /// /proc/vmallocinfo: one line per busy area ("0xSTART-0xEND SIZE CALLER pages=N vmalloc
    /// N0=N"; the range and size include the guard page), then "unpurged vm_area" for each
    /// lazily freed one.
    public func vmallocinfo() -> String {
        withSpace { space in
            var lines: [String] = []
            space.busy.forEach(in: space.nodes) { node in
                let area = space[node]
                guard !area.flags.contains(.uninitialized) else { return }
                let kind = area.flags.contains(.alloc) ? "vmalloc" : "vmap"
                lines.append(rangeText(area) + " \(area.caller):\(area.callerLine) pages=\(area.pageCount) "
                             + "\(kind) N0=\(area.pageCount)")
            }
            space.lazy.forEach(in: space.nodes) { lines.append(rangeText(space[$0]) + " unpurged vm_area") }
            return lines.map { $0 + "\n" }.joined()
        }
    }

    private func rangeText(_ area: VmapArea) -> String {
        func hex(_ offset: Int) -> String {
            let text = String(UInt(bitPattern: start + offset), radix: 16)
            return "0x" + String(repeating: "0", count: max(0, 16 - text.count)) + text
        }
        return hex(area.start) + "-" + hex(area.end) + " " + String(area.size).leftPadded(7)
    }
}
