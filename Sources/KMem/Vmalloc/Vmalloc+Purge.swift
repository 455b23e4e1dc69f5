extension Vmalloc {
    /// vm_unmap_aliases: purges every lazily freed area now.
    public func vmUnmapAliases() { purge() }

    func purge() {
        lock.lock()
        defer { lock.unlock() }
        purgeLocked()
    }

    /// __purge_vmap_area_lazy: one remap to no access over the span of the lazy areas (the
    /// model's single TLB flush), then the areas return to the free tree. The span is cut only
    /// where a busy area lies inside it; the free ranges it covers have no mapping to lose,
    /// and the lock keeps them from being handed out meanwhile. Called with the lock held.
    func purgeLocked() {
        lock.assertHeld()
        let lazy = space.pointee.lazy
        guard lazy.count > 0 else { return }
        var runs: [Range<Int>] = []
        var purged: [Int32] = []
        purged.reserveCapacity(lazy.count)
        lazy.forEach(in: space.pointee.nodes) { node in
            let area = space.pointee[node]
            purged.append(node)
            if let last = runs.last, !busyAreaBetween(last.upperBound, area.start) {
                runs[runs.count - 1] = last.lowerBound..<area.end
            } else {
                runs.append(area.start..<area.end)
            }
        }
        for run in runs where !unmapRange(run.lowerBound, run.count) {
            // Nothing is released while a mapping may remain; the next purge tries again.
            allocator.log.record(.warning, "WARNING: vmalloc purge could not unmap \(run.count) bytes")
            return
        }
        space.pointee.lazy.removeAll()
        for node in purged {
            space.pointee.forgetStale(node)
            space.pointee[node].flags = []
            space.pointee.release(node)
        }
        space.pointee.lazyPages = 0
        events.count(.purges)
        events.count(.purgedAreas, by: purged.count)
        events.count(.purgeRemaps, by: runs.count)
    }

    private func busyAreaBetween(_ from: Int, _ to: Int) -> Bool {
        guard let next = space.pointee.busy.ceiling(from, in: space.pointee.nodes) else { return false }
        return space.pointee[next].start < to
    }
}
