/// The conservation audit: at a quiescent point every page frame is in exactly one place and
/// every slab object is free in exactly one place or live, and what is live is what the
/// caller says is.
///
/// The model's own bookkeeping (page descriptors, vmap nodes and frame lists, per-CPU chunk
/// maps, mempool element arrays) lives in host memory, not in the model's frames, so it is no
/// place of frames here; the magazines (sheaves) are, as objects of the kmem_magazine caches.
extension Kernel {
    /// Audits the whole kernel. Call it when no allocation or free is in flight on any thread;
    /// the kernel's own threads (kswapd, the vmstat, reaper, purge and vfree workers) are
    /// paused while it runs. Costs a walk of every page descriptor and every free object.
    public func audit(_ claims: AuditClaims = AuditClaims()) -> KernelAudit {
        pages.pausingBackgroundWork {
            slab.pausingBackgroundWork { vmalloc.pausingBackgroundWork { auditQuiescent(claims) } }
        }
    }

    private func auditQuiescent(_ claims: AuditClaims) -> KernelAudit {
        var violations: [AuditViolation] = []
        var frames = FrameMap(pageCount: pages.memory.pageCount)
        pages.auditFreeFrames(&frames, &violations)
        let blocks = pages.auditAllocatedBlocks(&violations)
        let areas = vmalloc.audit(&violations)
        let percpuView = percpu.audit(&violations)
        let held = holdings(claims.holders, &violations)
        // Blocks the structures that keep their own lists say they hold, by head pfn.
        var owners: [Int: (order: Int, place: String)] = [:]
        func own(_ pfn: Int, _ order: Int, _ place: String) {
            if let other = owners[pfn] {
                violations.append(AuditViolation(.frameInTwoPlaces, "page frame \(pfn) in two places: \(other.place) and \(place)"))
            } else {
                owners[pfn] = (order, place)
            }
        }
        for (pfn, place) in areas.owned { own(pfn, 0, place) }
        for chunk in percpuView.chunks { own(chunk.pfn, chunk.order, "percpu chunks") }
        for block in held.blocks { own(block.pfn, block.order, block.place) }

        let cacheNames = Dictionary(slab.auditedCaches.map { ($0.opaqueSelf, $0.name) }) { first, _ in first }
        var slabs: [Int] = []
        var largeKmallocs = 0, callerPages = 0
        for block in blocks {
            let page = pages.memory.pages + block.pfn
            let place: String
            if page.pointee.flags.contains(.slab) {
                place = "slab " + (page.pointee.slabCache.flatMap { cacheNames[$0] } ?? "of an unknown cache")
                slabs.append(block.pfn)
            } else if page.pointee.flags.contains(.largeKmalloc) {
                place = held.largeKmallocs[block.pfn] ?? "large kmalloc"
                if held.largeKmallocs[block.pfn] == nil { largeKmallocs += 1 }
            } else if let owner = owners.removeValue(forKey: block.pfn) {
                if owner.order != block.order {
                    violations.append(AuditViolation(.pageState, "\(owner.place) holds page frame \(block.pfn) as an order-\(owner.order) "
                                                     + "block, but it was allocated with order \(block.order)"))
                }
                place = owner.place
            } else {
                place = "held by the caller"
                callerPages += 1 << block.order
            }
            frames.claim(block.pfn, count: 1 << block.order, as: place)
        }
        for (pfn, owner) in owners.sorted(by: { $0.key < $1.key }) {
            violations.append(AuditViolation(.pageState, "\(owner.place) holds page frame \(pfn), which is not an allocated block "
                                             + "(it is in \(frames.owner(of: pfn) ?? "no place"))"))
        }
        for (pfn, area) in areas.mapped {
            if let place = frames.owner(of: pfn), place.hasPrefix("buddy") || place.hasPrefix("pcp") {
                violations.append(AuditViolation(.pageState, "the \(area) maps page frame \(pfn), which is free (\(place))"))
            }
        }
        for run in frames.unclaimed() {
            let what = run.count == 1 ? "page frame \(run.lowerBound)" : "page frames \(run.lowerBound)...\(run.upperBound - 1)"
            violations.append(AuditViolation(.frameLost, "\(what) in no place: on no free list and in no allocated block"))
        }
        violations.insert(contentsOf: frames.violations, at: 0)
        let found: [(String, Int?, Int)] = [
            ("pages held from the page allocator", claims.pages, callerPages),
            ("large kmallocs", claims.largeKmallocs, largeKmallocs),
            ("vmalloc areas", claims.vmallocAreas, areas.vmallocAreas),
            ("vmap areas", claims.vmapAreas, areas.vmapAreas),
            ("percpu areas", claims.percpuAreas, percpuView.areas),
        ]
        for (what, claimed, live) in found where claimed.map({ $0 != live }) == true {
            violations.append(AuditViolation(.liveCountMismatch, "\(what): \(live) live, caller says \(claimed!)"))
        }
        let caches = slab.auditObjects(slabs: slabs, held: held.objects, claims: claims, &violations)
        return KernelAudit(totalFrames: frames.pageCount,
                           frames: zip(frames.places.names, frames.places.counts).map { KernelAudit.Place(name: $0.0, frames: $0.1) },
                           caches: caches, vmallocAreas: areas.vmallocAreas, queuedVmallocAreas: areas.queuedAreas,
                           vmapAreas: areas.vmapAreas, lazyVmallocAreas: areas.lazyAreas, percpuAreas: percpuView.areas,
                           violations: violations)
    }

    /// What the holders report, sorted by kind: page blocks, large kmallocs (by head pfn) and
    /// slab objects, each with the holder's place.
    private func holdings(_ holders: [any AuditHolder], _ violations: inout [AuditViolation])
        -> (blocks: [(pfn: Int, order: Int, place: String)], largeKmallocs: [Int: String],
            objects: [(object: UnsafeMutableRawPointer, place: String)]) {
        var blocks: [(pfn: Int, order: Int, place: String)] = []
        var large: [Int: String] = [:]
        var objects: [(object: UnsafeMutableRawPointer, place: String)] = []
        for holder in holders {
            for holding in holder.auditHoldings() {
                switch holding {
                case .pages(let pfn, let order):
                    blocks.append((pfn, order, holder.auditName))
                case .object(let object):
                    if let page = try? pages.compoundHead(pages.virtToPage(object)), page.pointee.flags.contains(.largeKmalloc),
                       pages.pageAddress(page) == object {
                        let pfn = pages.pfn(of: page)
                        if let other = large.updateValue(holder.auditName, forKey: pfn) {
                            violations.append(AuditViolation(.frameInTwoPlaces, "large kmalloc at page frame \(pfn) in two places: \(other) and \(holder.auditName)"))
                        }
                    } else {
                        objects.append((object, holder.auditName))
                    }
                }
            }
        }
        return (blocks, large, objects)
    }
}
