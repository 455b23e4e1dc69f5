import KMem

/// What a replay reports beside the harness's counts: the kernel's own zone-lock share from
/// the trace next to the model's over the same traffic (kmem only), per-cache figures of the
/// ten busiest caches (their traced events; on kmem the model's hit rate and slow paths), and
/// on kmem the slab hit rate of the model CPU each traced CPU replays on.
struct ReplayModelFigures: Sendable {
    /// The model's pcp-order allocations and those that took the zone lock (a pcp refill, or
    /// straight to the zone when the pcp lock was busy; a free that found it busy is no
    /// allocation), so far.
    let pcp: (allocations: Int, locked: Int)?
    /// Per model CPU, slab allocations over every cache and those its per-CPU cache missed, so
    /// far (nil: not the model, or a design without per-CPU caches).
    let slabPerCPU: [(allocations: Int, misses: Int)]?
    /// Whether some cache counts by real CPU (the rseq path) rather than by model CPU.
    let countsByRealCPU: Bool

    init<E: Engine>(_ engine: E) {
        guard let kmem = engine as? KMemEngine else {
            pcp = nil
            slabPerCPU = nil
            countsByRealCPU = false
            return
        }
        let perCPU = kmem.kernel.pages.statistics().zones.flatMap(\.perCPU)
        pcp = (perCPU.reduce(0) { $0 + $1.allocations + $1.allocLockMisses },
               perCPU.reduce(0) { $0 + $1.refills + $1.allocLockMisses })
        var slab: [(allocations: Int, misses: Int)] = []
        let caches = kmem.kernel.slab.slabInfo()
        countsByRealCPU = caches.contains { $0.fastPath == .rseq }
        for info in caches where !info.cpuAllocations.isEmpty {
            if slab.isEmpty { slab = Array(repeating: (0, 0), count: info.cpuAllocations.count) }
            for cpu in slab.indices {
                slab[cpu].allocations += info.cpuAllocations[cpu]
                slab[cpu].misses += info.cpuAllocMisses[cpu]
            }
        }
        slabPerCPU = slab.isEmpty ? nil : slab
    }

    static let busiest = 10

    func figures<E: Engine>(since before: ReplayModelFigures, _ engine: E, trace: Trace, pairing: TracePairing,
                            selection: ReplayPlan.Selection, threads: Int, pinned: Bool) -> [String: Double] {
        var figures: [String: Double] = [:]
        // Traced CPU c replays on worker c mod threads, which runs as model CPU worker mod cpus.
        // rseq counts by real CPU: that is the worker's model CPU only when workers are pinned
        // (worker w on CPU w; rseq runs only when cpus is the machine's).
        if let now = slabPerCPU, let then = before.slabPerCPU, now.count == then.count, pinned || !countsByRealCPU {
            for cpu in trace.cpus.indices {
                let model = cpu % threads % now.count
                let allocations = now[model].allocations - then[model].allocations
                guard allocations > 0 else { continue }
                figures["cpu.\(cpu).hit_rate"] = Double(allocations - (now[model].misses - then[model].misses)) / Double(allocations)
            }
        }
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
