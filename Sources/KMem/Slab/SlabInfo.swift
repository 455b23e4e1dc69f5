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
    public var profile: KernelProfile
    public var design: PerCPUDesign
    /// With `rseq`, fast-path hits are not counted (a count that stays exact would need the
    /// locked instruction the rseq path avoids): `allocations` and `frees` stay 0 and only the
    /// misses are counted.
    public var fastPath: PerCPUFastPath
    // The per-CPU design's figures (its policy's `statistics` fills them; 0 where it has none).
    public var magazineCapacity = 0
    /// Objects cached in CPU magazines (CPUs whose slot was busy are not counted).
    public var cpuCachedObjects = 0
    public var depotFull = 0
    public var depotEmpty = 0
    public var allocations = 0
    public var frees = 0
    public var allocMisses = 0
    public var freeMisses = 0
    /// `allocations` and `allocMisses` per model CPU (empty for a design without per-CPU caches).
    public var cpuAllocations: [Int] = []
    public var cpuAllocMisses: [Int] = []
    public var depotExchanges = 0
    public var depotContention = 0
    public var magazineGrowths = 0
    /// Per-CPU caches found in use by another context on the model CPU, by the finder's context.
    public var slotBusyProcess = 0
    public var slotBusySoftirq = 0
    public var slotBusyHardirq = 0
    /// Waits for another context's step on the CPU that then got the cache (KmemCache+SharedCPU.swift).
    public var cpuWaits = 0
    /// Nanoseconds contexts spent waiting for another's step on their CPU, the waits that gave
    /// up included.
    public var cpuWaitNs = 0
    public var slotBusy: Int { slotBusyProcess + slotBusySoftirq + slotBusyHardirq }
    /// The design's own counters by their kernel names (SLUB's CONFIG_SLUB_STATS).
    public var designStatistics: [(name: String, value: Int)] = []
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
        let freeObjects = design.policy.nodeFreeObjects(self)
        var objects = 0
        node.forEachSlab(pages: descriptors) { objects += Int($0.pointee.objects) }
        node.unlock()
        var info = SlabInfo(
            name: name, activeObjects: objects - freeObjects, objects: objects, objectSize: layout.objectSize,
            size: layout.size, objectsPerSlab: layout.objectsPerSlab, pagesPerSlab: 1 << layout.order,
            slabs: slabs, profile: profile, design: design, fastPath: fastPath,
            listLockContended: node.pointee.lockContended.load(ordering: .relaxed),
            slabsAllocated: node.pointee.slabsAllocated.load(ordering: .relaxed),
            slabsFreed: node.pointee.slabsFreed.load(ordering: .relaxed),
            allocFailures: allocFailures.load(ordering: .relaxed), debug: flags.debugOptions)
        design.policy.statistics(self, into: &info)
        return info
    }
}

extension KmemCache {
    /// The attributes /sys/kernel/slab/<cache>/ shows, as the model has them in force: a
    /// cache without SLUB's CPU slabs has cpu_partial 0, one without sheaves sheaf_capacity 0.
    public var sysfsAttributes: [(name: String, value: Int)] {
        [("order", layout.order), ("objs_per_slab", layout.objectsPerSlab), ("slab_size", layout.size),
         ("object_size", layout.objectSize), ("min_partial", node.pointee.minPartial), ("cpu_partial", cpuPartial),
         ("sheaf_capacity", design == .sheaves ? magazineCapacity : 0), ("align", layout.align)]
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
        let profiles = Set(infos.map(\.profile.rawValue)).sorted().joined(separator: ", ")
        var lines = ["slabinfo - version: 2.1 (kmembench, kernel \(profiles) profile)",
                     "# name            <active_objs> <num_objs> <objsize> <objperslab> <pagesperslab> : "
                     + "percpu <design> <capacity> <cached> : depot <full> <empty> <exchanges> <contention> : "
                     + "stats <allocs> <frees> <alloc_miss> <free_miss> <slot_busy> <lock_contended> <slabs_alloc> "
                     + "<slabs_free> <fail> <debug> [: <design> <counter>=<value> ...]"]
        for info in infos {
            lines.append(info.name.rightPadded(17) + " " + [info.activeObjects, info.objects, info.objectSize,
                                                              info.objectsPerSlab, info.pagesPerSlab].map { String($0).leftPadded(6) }
                .joined(separator: " ")
                + " : percpu \(info.design.rawValue) \(info.magazineCapacity) \(info.cpuCachedObjects)"
                + " : depot \(info.depotFull) \(info.depotEmpty) \(info.depotExchanges) \(info.depotContention)"
                + " : stats \(info.allocations) \(info.frees) \(info.allocMisses) \(info.freeMisses) \(info.slotBusy)"
                + " \(info.listLockContended) \(info.slabsAllocated) \(info.slabsFreed) \(info.allocFailures) \(info.debug)"
                + (info.designStatistics.isEmpty ? ""
                   : " : \(info.design.rawValue) " + info.designStatistics.map { "\($0.name)=\($0.value)" }.joined(separator: " ")))
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
