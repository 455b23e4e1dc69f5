/// The slab layer's part of the conservation audit: every cache (kmalloc's, the magazine
/// caches, destroyed caches still holding objects) with its slabs, and every object in
/// exactly one place or live.
extension SlabAllocator {
    /// Every cache the allocator still knows of, each once.
    var auditedCaches: [KmemCache] {
        var seen = Set<ObjectIdentifier>()
        let magazines = magazineCaches.withLock { $0.sorted { $0.key < $1.key }.map(\.value) }
        return (allCaches + magazines + retired.withLock { $0 }).filter { seen.insert(ObjectIdentifier($0)).inserted }
    }

    /// Audits the objects of every cache. `slabs`: the allocated blocks whose head page is a
    /// slab; `held`: objects holders keep (mempool reserves), with the holder's place.
    func auditObjects(slabs: [Int], held: [(object: UnsafeMutableRawPointer, place: String)], claims: AuditClaims,
                      _ violations: inout [AuditViolation]) -> [KernelAudit.CacheObjects] {
        let caches = auditedCaches
        var audits: [UnsafeMutableRawPointer: CacheAudit] = [:]
        for cache in caches { audits[cache.opaqueSelf] = CacheAudit(cache) }
        for pfn in slabs {
            let page = descriptors + pfn
            guard let owner = page.pointee.slabCache, let audit = audits[owner] else {
                violations.append(AuditViolation(.pageState, "slab at pfn \(pfn) names a cache the slab allocator does not know"))
                continue
            }
            audit.addSlab(pfn, objects: Int(page.pointee.objects))
        }
        let ordered = caches.map { audits[$0.opaqueSelf]! }
        for audit in ordered { audit.cache.audit(audit) }
        for audit in ordered {
            for (raw, place) in audit.magazines {
                claim(raw, as: "\(place) of \(audit.cache.name)", in: audits, &violations)
            }
        }
        for (object, place) in held { claim(object, as: place, in: audits, &violations) }
        return ordered.map { audit in
            violations += audit.violations
            var summary = audit.summary
            summary.claimed = claims.liveClaim(for: audit.cache)
            if let claimed = summary.claimed, claimed != summary.live {
                violations.append(AuditViolation(.liveCountMismatch, "cache \(audit.cache.name): \(summary.live) objects live, caller says \(claimed)"))
            }
            return summary
        }
    }

    /// An object held outside its cache's structures, claimed in the cache whose slab holds it.
    private func claim(_ object: UnsafeMutableRawPointer, as place: String, in audits: [UnsafeMutableRawPointer: CacheAudit],
                       _ violations: inout [AuditViolation]) {
        guard let owner = cacheOwning(object), let audit = audits[owner.opaqueSelf] else {
            violations.append(AuditViolation(.objectInvalid, "\(place) holds 0x\(String(UInt(bitPattern: object), radix: 16)), which is in no slab"))
            return
        }
        audit.claim(object, as: place)
    }
}

extension SlabAllocator {
    /// The reaper thread, paused around `body`.
    func pausingBackgroundWork<T>(_ body: () -> T) -> T {
        KernelThread.pausing([reaper?.round].compactMap { $0 }, body)
    }
}
