import KMem

/// The kmem engine's audit once its workers are retired: the workload has given everything
/// back, so nothing may be live but what the engine holds itself (the OOM victim's pages).
/// Frees vfree_atomic queued are run first, as the kernel's worker would have by now.
extension KMemEngine {
    public func audit() -> EngineAudit {
        kernel.vmalloc.flushDeferredFrees()
        var claims = AuditClaims.nothingLive
        claims.holders = pools.withLock { $0 } + [oomVictim].compactMap { $0 }
        let audit = kernel.audit(claims)
        let caches = audit.caches
        func objects(_ fragments: [String]) -> Double {
            Double(caches.reduce(0) { sum, cache in sum + fragments.reduce(0) { $0 + cache.objects(inPlacesContaining: $1) } })
        }
        // What could grow without bound in a long run with nothing live: per-CPU page lists,
        // slabs kept, their free objects (node and CPU partial lists), full and empty
        // magazines in depots and barns, and lazily freed vmalloc areas awaiting the purge;
        // and what bounds the magazine layer, the magazine sizes (Bonwick's grow).
        return EngineAudit(violations: audit.violations, gauges: [
            "pcp_frames": Double(audit.frames(inPlacesStartingWith: "pcp")),
            "slab_frames": Double(audit.frames(inPlacesStartingWith: "slab")),
            "slab_free_objects": objects(["freelist"]),
            "depot_objects": objects(["depot", "barn"]),
            "lazy_vmalloc_areas": Double(audit.lazyVmallocAreas),
            "magazine_capacity": Double(kernel.slab.slabInfo().reduce(0) { $0 + $1.magazineCapacity }),
        ])
    }
}
