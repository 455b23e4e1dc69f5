import CKMemShims

/// SLUB's part of the conservation audit: each CPU's slab, its lockless freelist and its
/// partial slabs; every frozen slab must belong to exactly one CPU, every other slab off the
/// node's lists must be full, and the full slabs' object count must match.
extension Slub {
    @usableFromInline
    static func audit(_ cache: KmemCache, _ audit: CacheAudit, listed: Set<Int>) {
        let name = cache.name
        var owned = Set<Int>()
        func own(_ pfn: Int32, _ what: String) -> Bool {
            guard audit.isSlab(Int(pfn)), owned.insert(Int(pfn)).inserted else {
                audit.violations.append(AuditViolation(.listCorrupt, "cache \(name): \(what) is pfn \(pfn), "
                                                       + (audit.isSlab(Int(pfn)) ? "a slab another CPU list holds already" : "which is not one of its slabs")))
                return false
            }
            if cache.descriptors[Int(pfn)].frozen == 0 {
                audit.violations.append(AuditViolation(.pageState, "cache \(name): \(what) (pfn \(pfn)) is not frozen"))
            }
            return true
        }
        for cpu in 0..<cache.cpus {
            let c = cache.slubCPU(cpu)
            if c.pointee.lock != 0 || c.pointee.freelist == kmem_slub_closed() {
                audit.violations.append(AuditViolation(.notQuiescent, "cache \(name): CPU \(cpu)'s SLUB lock is held or its freelist closed"))
                continue
            }
            let slab = kmem_slub_cpu_slab(c)
            if slab >= 0, own(slab, "CPU \(cpu)'s slab") {
                var current = c.pointee.freelist
                while let object = current, audit.claim(object, as: "CPU \(cpu) freelist", inSlab: Int(slab)) {
                    current = cache.nextFree(object)
                }
            } else if slab < 0, c.pointee.freelist != nil {
                audit.violations.append(AuditViolation(.listCorrupt, "cache \(name): CPU \(cpu) has a freelist but no slab"))
            }
            var pfn = kmem_slub_partial(c), partials: Int32 = 0
            while pfn >= 0, own(pfn, "a partial slab of CPU \(cpu)") {
                partials += 1
                pfn = cache.descriptors[Int(pfn)].next
            }
            if partials != kmem_slub_partial_slabs(c) {
                audit.violations.append(AuditViolation(.countMismatch, "cache \(name): CPU \(cpu) counts \(kmem_slub_partial_slabs(c)) partial slabs but lists \(partials)"))
            }
        }
        var fullObjects = 0
        for pfn in audit.slabPfns where !owned.contains(pfn) {
            let slab = cache.descriptors + pfn
            if slab.pointee.frozen != 0 {
                audit.violations.append(AuditViolation(.listCorrupt, "slab at pfn \(pfn) of cache \(name) is frozen but belongs to no CPU"))
            } else if !listed.contains(pfn) {
                if slab.pointee.freelist != nil {
                    audit.violations.append(AuditViolation(.listCorrupt, "slab at pfn \(pfn) of cache \(name) has free objects but is on no list"))
                }
                fullObjects += Int(slab.pointee.objects)
            }
        }
        for pfn in owned where listed.contains(pfn) {
            audit.violations.append(AuditViolation(.listCorrupt, "slab at pfn \(pfn) of cache \(name) belongs to a CPU and is on a node list"))
        }
        let counted = cache.fullSlabObjects.load(ordering: .relaxed)
        if counted != fullObjects {
            audit.violations.append(AuditViolation(.countMismatch, "cache \(name): full slabs are counted as \(counted) objects but hold \(fullObjects)"))
        }
    }
}
