/// The per-CPU allocator's part of the conservation audit: its chunks' pages and areas.
extension PercpuAllocator {
    struct AuditView {
        var chunks: [(pfn: Int, order: Int)] = []
        var areas = 0
    }

    /// The chunks (each one buddy block) and the areas handed out; a chunk whose map disagrees
    /// with its free count, or that has an area continuing from nothing, is a violation.
    func audit(_ violations: inout [AuditViolation]) -> AuditView {
        lock.withLock {
            var view = AuditView()
            for (index, chunk) in chunks.enumerated() {
                view.chunks.append((pages.pfn(of: chunk.page), chunk.order))
                view.areas += chunk.map.count { $0 == 2 }
                let free = chunk.map.count { $0 == 0 }
                if free != chunk.freeGranules {
                    violations.append(AuditViolation(.countMismatch, "percpu chunk \(index): \(chunk.freeGranules) granules counted free but \(free) are"))
                }
                for granule in chunk.map.indices where chunk.map[granule] == 1 && (granule == 0 || chunk.map[granule - 1] == 0) {
                    violations.append(AuditViolation(.listCorrupt, "percpu chunk \(index): granule \(granule) continues an area that does not start before it"))
                }
            }
            return view
        }
    }
}
