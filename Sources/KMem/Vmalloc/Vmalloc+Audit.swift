/// vmalloc's part of the conservation audit: the frames its areas hold, the frames vmap
/// areas map for their owners, and the trees covering the range exactly once.
extension Vmalloc {
    struct AuditView {
        /// Frames vmalloc areas own (their pages), with the place: a live area, or one queued
        /// by vfree_atomic for the worker.
        var owned: [(pfn: Int, place: String)] = []
        /// Frames vmap areas map; they stay with whoever owns them and must not be free.
        var mapped: [(pfn: Int, area: String)] = []
        /// Live vmalloc areas (not those queued by vfree_atomic), and vmap areas.
        var vmallocAreas = 0
        var queuedAreas = 0
        var vmapAreas = 0
        /// Areas freed but not yet purged, and the frames their stale mappings still name
        /// (free again: the stale mapping is the model's deferred TLB flush).
        var lazyAreas = 0
        var staleFrames = 0
    }

    func audit(_ violations: inout [AuditViolation]) -> AuditView {
        withSpace { space in
            var view = AuditView()
            var ranges: [(range: Range<Int>, tree: String)] = []
            space.busy.forEach(in: space.nodes) { node in
                let area = space[node]
                ranges.append((area.start..<area.end, "busy"))
                let name = "area at 0x" + String(UInt(bitPattern: start + area.start), radix: 16)
                if area.flags.contains(.uninitialized) {
                    violations.append(AuditViolation(.notQuiescent, "vmalloc: the \(name) is still being set up"))
                }
                let frames = (0..<(area.pfns == nil ? 0 : area.pageCount)).map { Int(area.pfns![$0]) }
                if area.flags.contains(.alloc) {
                    let queued = area.flags.contains(.deferredFree)
                    if queued { view.queuedAreas += 1 } else { view.vmallocAreas += 1 }
                    let place = queued ? "vfree_atomic queue" : "vmalloc areas"
                    view.owned += frames.map { ($0, place) }
                } else {
                    view.vmapAreas += 1
                    view.mapped += frames.map { ($0, "vmap " + name) }
                }
            }
            space.lazy.forEach(in: space.nodes) { node in
                ranges.append((space[node].start..<space[node].end, "lazy"))
                view.lazyAreas += 1
                view.staleFrames += space[node].pfns == nil ? 0 : space[node].pageCount
            }
            space.free.forEach(in: space.nodes) { ranges.append((space[$0].start..<space[$0].end, "free")) }
            violations += Vmalloc.coverageProblems(ranges.sorted { $0.range.lowerBound < $1.range.lowerBound }, size: size)
            return view
        }
    }

    /// The free, busy and lazy ranges, sorted: they must tile [0, size) with no gap or overlap.
    private static func coverageProblems(_ ranges: [(range: Range<Int>, tree: String)], size: Int) -> [AuditViolation] {
        var problems: [AuditViolation] = []
        var end = 0
        for (range, tree) in ranges {
            if range.lowerBound != end {
                problems.append(AuditViolation(.listCorrupt, range.lowerBound < end
                    ? "vmalloc: the \(tree) range at offset \(range.lowerBound) overlaps the range before it (which ends at \(end))"
                    : "vmalloc: offsets \(end)..<\(range.lowerBound) are in no tree"))
            }
            end = max(end, range.upperBound)
        }
        if end != size { problems.append(AuditViolation(.listCorrupt, "vmalloc: the trees cover offsets up to \(end) of \(size)")) }
        return problems
    }

    /// The purge worker and the vfree_atomic worker, paused around `body`.
    func pausingBackgroundWork<T>(_ body: () -> T) -> T {
        KernelThread.pausing([purgeWorker.round, deferred.round], body)
    }
}
