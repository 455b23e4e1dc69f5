import Synchronization

/// One line of /proc/slabinfo plus the per-CPU layer's figures.
public struct SlabInfo: Sendable {
    public var name: String
    public var activeObjects: Int
    public var objects: Int
    public var objectSize: Int
    public var size: Int
    public var objectsPerSlab: Int
    public var pagesPerSlab: Int
    public var slabs: Int
    public var design: PerCPUDesign
    /// With `rseq`, fast-path hits are not counted (a count that stays exact would need the
    /// locked instruction the rseq path avoids): `allocations` and `frees` stay 0 and only the
    /// misses are counted.
    public var fastPath: PerCPUFastPath
    public var magazineCapacity: Int
    /// Objects cached in CPU magazines (CPUs whose slot was busy are not counted).
    public var cpuCachedObjects: Int
    public var depotFull: Int
    public var depotEmpty: Int
    public var allocations: Int
    public var frees: Int
    public var allocMisses: Int
    public var freeMisses: Int
    public var depotExchanges: Int
    public var depotContention: Int
    public var magazineGrowths: Int
    public var slotBusy: Int
    public var listLockContended: Int
    public var slabsAllocated: Int
    public var slabsFreed: Int
    public var allocFailures: Int
    public var debug: String

    /// Allocations served by the CPU's loaded magazine.
    public var hitRate: Double {
        allocations == 0 ? 0 : Double(allocations - allocMisses) / Double(allocations)
    }
}

extension KmemCache {
    public func slabInfo() -> SlabInfo {
        node.lock()
        let slabs = node.pointee.nrSlabs
        let freeObjects = node.pointee.freeObjects
        var objects = 0
        node.forEachSlab(pages: descriptors) { objects += Int($0.pointee.objects) }
        node.unlock()
        var info = SlabInfo(
            name: name, activeObjects: objects - freeObjects, objects: objects, objectSize: layout.objectSize,
            size: layout.size, objectsPerSlab: layout.objectsPerSlab, pagesPerSlab: 1 << layout.order,
            slabs: slabs, design: design, fastPath: fastPath, magazineCapacity: cpuBlocks == nil ? 0 : magazineCapacity.load(ordering: .relaxed),
            cpuCachedObjects: 0, depotFull: depot.pointee.full.count.load(ordering: .relaxed),
            depotEmpty: depot.pointee.empty.count.load(ordering: .relaxed),
            allocations: 0, frees: 0, allocMisses: 0, freeMisses: 0,
            depotExchanges: depot.pointee.exchanges.load(ordering: .relaxed),
            depotContention: depot.pointee.contention, magazineGrowths: magazineGrowths.load(ordering: .relaxed),
            slotBusy: slotBusy.load(ordering: .relaxed), listLockContended: node.pointee.lockContended.load(ordering: .relaxed),
            slabsAllocated: node.pointee.slabsAllocated.load(ordering: .relaxed),
            slabsFreed: node.pointee.slabsFreed.load(ordering: .relaxed),
            allocFailures: allocFailures.load(ordering: .relaxed), debug: flags.debugOptions)
        if let blocks = cpuBlocks { addCPUFigures(blocks, to: &info) }
        return info
    }

    private func addCPUFigures(_ blocks: UnsafeMutableRawPointer, to info: inout SlabInfo) {
        for cpu in 0..<cpus {
            let slot = self.slot(blocks, cpu: cpu)
            let state = (blocks + cpu << KmemCache.cpuBlockShift + 8).assumingMemoryBound(to: CPUMagazines.self)
            info.allocations += state.pointee.allocations.load(ordering: .relaxed)
            info.frees += state.pointee.frees.load(ordering: .relaxed)
            info.allocMisses += state.pointee.allocMisses.load(ordering: .relaxed)
            info.freeMisses += state.pointee.freeMisses.load(ordering: .relaxed)
            guard let held = takeForeignSlot(blocks, cpu: cpu) else { continue }
            info.cpuCachedObjects += state.pointee.loaded.rounds + state.pointee.previous.rounds
            slot.pointee.store(held, ordering: .releasing)
        }
    }
}

extension SlabAllocator {
    /// Every cache, magazine caches last.
    public func slabInfo() -> [SlabInfo] {
        let magazines = magazineCaches.withLock { $0.sorted { $0.key < $1.key }.map(\.value) }
        return (allCaches + magazines).map { $0.slabInfo() }
    }

    /// /proc/slabinfo (version 2.1 columns) with the per-CPU layer's figures after them.
    public static func slabinfoText(_ infos: [SlabInfo]) -> String {
        var lines = ["slabinfo - version: 2.1 (kmembench)",
                     "# name            <active_objs> <num_objs> <objsize> <objperslab> <pagesperslab> : "
                     + "percpu <design> <capacity> <cached> : depot <full> <empty> <exchanges> <contention> : "
                     + "stats <allocs> <frees> <alloc_miss> <free_miss> <slot_busy> <lock_contended> <slabs_alloc> "
                     + "<slabs_free> <fail> <debug>"]
        for info in infos {
            lines.append(info.name.rightPadded(17) + " " + [info.activeObjects, info.objects, info.objectSize,
                                                              info.objectsPerSlab, info.pagesPerSlab].map { String($0).leftPadded(6) }
                .joined(separator: " ")
                + " : percpu \(info.design.rawValue) \(info.magazineCapacity) \(info.cpuCachedObjects)"
                + " : depot \(info.depotFull) \(info.depotEmpty) \(info.depotExchanges) \(info.depotContention)"
                + " : stats \(info.allocations) \(info.frees) \(info.allocMisses) \(info.freeMisses) \(info.slotBusy)"
                + " \(info.listLockContended) \(info.slabsAllocated) \(info.slabsFreed) \(info.allocFailures) \(info.debug)")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
