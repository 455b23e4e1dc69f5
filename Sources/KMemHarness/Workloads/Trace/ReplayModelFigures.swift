import KMem

/// What a replay reports beside the harness's counts: the kernel's own zone-lock share from
/// the trace next to the model's over the same traffic (kmem only), and per-cache figures of
/// the ten busiest caches (their traced events; on kmem the model's hit rate and slow paths).
struct ReplayModelFigures {
    /// The model's pcp-order allocations and those that took the zone lock (a pcp refill, or
    /// straight to the zone when the pcp lock was busy), so far.
    let pcp: (allocations: Int, locked: Int)?

    init<E: Engine>(_ engine: E) {
        guard let kmem = engine as? KMemEngine else {
            pcp = nil
            return
        }
        let perCPU = kmem.kernel.pages.statistics().zones.flatMap(\.perCPU)
        pcp = (perCPU.reduce(0) { $0 + $1.allocations + $1.lockMisses }, perCPU.reduce(0) { $0 + $1.refills + $1.lockMisses })
    }

    static let busiest = 10

    func figures<E: Engine>(since before: ReplayModelFigures, _ engine: E, trace: Trace, pairing: TracePairing,
                            selection: ReplayPlan.Selection) -> [String: Double] {
        var figures: [String: Double] = [:]
        if selection.contains(.pages) {
            let kernel = KernelZoneLockShare(trace)
            if let share = kernel.order0Share { figures["kernel_zone_lock_order0"] = share }
            if let share = kernel.pcpShare { figures["kernel_zone_lock_pcp"] = share }
            if let now = pcp, let then = before.pcp, now.allocations > then.allocations {
                figures["model_zone_lock_pcp"] = Double(now.locked - then.locked) / Double(now.allocations - then.allocations)
            }
        }
        guard selection.contains(.slab) else { return figures }
        let model = (engine as? KMemEngine).map { kmem in
            Dictionary(kmem.kernel.slab.slabInfo().map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        }
        for use in TraceCacheUse.of(trace, pairing).prefix(Self.busiest) {
            let key = "cache." + Self.figureName(use.name)
            figures[key + ".events"] = Double(use.events)
            guard let info = model?[use.name], info.allocations > 0 else { continue }
            figures[key + ".hit_rate"] = Double(info.allocations - info.allocMisses) / Double(info.allocations)
            figures[key + ".slow_paths"] = Double(info.allocMisses + info.freeMisses)
        }
        return figures
    }

    /// A cache name as a `workload_extra` key: the column's separators replaced.
    static func figureName(_ name: String) -> String {
        String(name.map { "=;, ".contains($0) ? "_" : $0 })
    }
}
