/// A cache's part of the conservation audit: its slabs' freelists and the node's lists, then
/// its per-CPU design's caches (PerCPUPolicy.audit).
extension KmemCache {
    func audit(_ audit: CacheAudit) {
        node.lock()
        auditFreelists(audit)
        let listed = auditNodeLists(audit)
        node.unlock()
        design.policy.audit(self, audit, listed: listed)
    }

    /// Each slab's own freelist, walked: its objects are free, and its in-use count must be
    /// what is not on it. SLUB's CPU freelist objects count as in use here, as they do in the
    /// slab's counters. List lock held.
    private func auditFreelists(_ audit: CacheAudit) {
        for pfn in audit.slabPfns {
            let slab = descriptors + pfn
            let objects = Int(slab.pointee.objects)
            var free = 0
            var current = slab.pointee.freelist
            while let object = current, audit.claim(object, as: "slab freelists", inSlab: pfn) {
                free += 1
                current = nextFree(object)
            }
            if Int(slab.pointee.inuse) != objects - free {
                audit.violations.append(AuditViolation(.countMismatch, "slab at pfn \(pfn) of cache \(name): inuse is "
                                                       + "\(slab.pointee.inuse) but \(objects - free) of its \(objects) objects are off its freelist"))
            }
        }
    }

    /// The node's partial and full lists: every entry one of the cache's slabs, on one list,
    /// linked both ways, with the list's counts right. Returns the slabs found on a list. Every
    /// design but SLUB (whose CPU and full slabs are on no list) keeps each slab on one.
    private func auditNodeLists(_ audit: CacheAudit) -> Set<Int> {
        var listed = Set<Int>()
        let partial = walkList(node.pointee.partialHead, .partial, audit, &listed)
        if partial.last != node.pointee.partialTail {
            audit.violations.append(AuditViolation(.listCorrupt, "cache \(name): the partial list ends at pfn \(partial.last) but its tail is \(node.pointee.partialTail)"))
        }
        if partial.count != node.pointee.nrPartial {
            audit.violations.append(AuditViolation(.countMismatch, "cache \(name): nr_partial is \(node.pointee.nrPartial) but the partial list holds \(partial.count) slabs"))
        }
        _ = walkList(node.pointee.fullHead, .full, audit, &listed)
        if node.pointee.nrSlabs != audit.slabPfns.count {
            audit.violations.append(AuditViolation(.countMismatch, "cache \(name): nr_slabs is \(node.pointee.nrSlabs) but \(audit.slabPfns.count) slabs name it"))
        }
        guard design != .slub else { return listed }
        for pfn in audit.slabPfns where !listed.contains(pfn) {
            audit.violations.append(AuditViolation(.listCorrupt, "slab at pfn \(pfn) of cache \(name) is on no list of its node"))
        }
        let free = audit.count(of: "slab freelists")
        if node.pointee.freeObjects != free {
            audit.violations.append(AuditViolation(.countMismatch, "cache \(name): the node counts \(node.pointee.freeObjects) free objects but its slabs' freelists hold \(free)"))
        }
        return listed
    }

    /// One node list: (entries, last pfn). A slab on the full list has no free object; one on
    /// the partial list has at least one.
    private func walkList(_ head: Int32, _ list: SlabList, _ audit: CacheAudit, _ listed: inout Set<Int>) -> (count: Int, last: Int32) {
        let listName = list == .partial ? "partial" : "full"
        var pfn = head, previous: Int32 = -1, count = 0
        while pfn >= 0 {
            let slab = descriptors + Int(pfn)
            guard audit.isSlab(Int(pfn)), listed.insert(Int(pfn)).inserted else {
                audit.violations.append(AuditViolation(.listCorrupt, "cache \(name): the \(listName) list reaches pfn \(pfn), "
                                                       + (audit.isSlab(Int(pfn)) ? "a slab already on a list (a loop or a slab listed twice)" : "which is not one of its slabs")))
                break
            }
            if slab.pointee.prev != previous || slab.pointee.privateWord != list.rawValue {
                audit.violations.append(AuditViolation(.listCorrupt, "cache \(name): slab at pfn \(pfn) on the \(listName) list has a broken back link or list mark"))
            }
            if (slab.pointee.freelist == nil) != (list == .full) {
                audit.violations.append(AuditViolation(.listCorrupt, "cache \(name): slab at pfn \(pfn) is on the \(listName) list "
                                                       + (list == .full ? "but has free objects" : "but has none free")))
            }
            count += 1
            previous = pfn
            pfn = slab.pointee.next
        }
        return (count, previous)
    }
}
