import Synchronization
/// Watermarks, lowmem reserves and per-CPU list sizing, computed as mm/page_alloc.c does.
extension PageAllocator {
    /// sysctl_lowmem_reserve_ratio for DMA, DMA32 and Normal.
    static let lowmemReserveRatio = [256, 256, 32]

    /// min_free_kbytes = sqrt(lowmem_kB * 16), clamped to 128 kB ... 256 MB.
    public static func defaultMinFreeKbytes(lowmemPages: Int) -> Int {
        let lowmemKbytes = lowmemPages * (PhysicalMemory.pageSize / 1024)
        let root = Int(Double(lowmemKbytes * 16).squareRoot())
        return min(max(root, 128), 262_144)
    }

    /// What mm/page_alloc.c sets up for each zone from its managed pages alone: watermarks
    /// (__setup_per_zone_wmarks), lowmem_reserve (setup_per_zone_lowmem_reserve) and the pcp
    /// sizes (zone_batchsize, zone_highsize). A pure function, so that a machine's zones can be
    /// computed from its /proc/zoneinfo without allocating its memory.
    public struct ZoneSetup: Sendable, Equatable {
        public var watermarks: Watermarks
        /// lowmem_reserve against allocations that may use DMA, DMA32, Normal.
        public var protection: [Int]
        public var batch: Int
        public var highMin: Int
        public var highMax: Int
    }

    /// `managed`: pages of DMA, DMA32 and Normal.
    public static func zoneSetup(managed: [Int], minFreeKbytes: Int, watermarkScaleFactor: Int, cpus: Int,
                                 pcpBatch: Int? = nil) -> [ZoneSetup] {
        let pagesMin = minFreeKbytes / (PhysicalMemory.pageSize / 1024)
        let lowmemPages = managed.reduce(0, +)
        return managed.indices.map { index in
            let pages = managed[index]
            let share = lowmemPages == 0 ? 0 : pagesMin * pages / lowmemPages
            let delta = max(share / 4, pages * watermarkScaleFactor / 10_000)
            let watermarks = Watermarks(min: share, low: share + delta, high: share + 2 * delta)
            var protection = [Int](repeating: 0, count: managed.count)
            var upper = 0
            for higher in managed.indices where higher > index {
                upper += managed[higher]
                protection[higher] = pages == 0 ? 0 : upper / lowmemReserveRatio[index]
            }
            let batch = pcpBatch ?? zoneBatchSize(managedPages: pages)
            return ZoneSetup(watermarks: watermarks, protection: protection, batch: batch,
                             highMin: max(watermarks.low / cpus, batch << 2), highMax: max(pages / 8 / cpus, batch << 2))
        }
    }

    /// Applies zoneSetup to this allocator's zones.
    func setupWatermarks() {
        let setups = PageAllocator.zoneSetup(managed: ZoneType.allCases.map { zones[$0.rawValue].spannedPages },
                                             minFreeKbytes: minFreeKbytes,
                                             watermarkScaleFactor: configuration.watermarkScaleFactor, cpus: cpus,
                                             pcpBatch: configuration.pcpBatch)
        let slicePages = (configuration.cacheSlicePerCPU ?? PerCPUPages.machineCacheSlice()) >> PhysicalMemory.pageShift
        for type in ZoneType.allCases {
            let zone = self.zone(type)
            let setup = setups[type.rawValue]
            zone.pointee.watermarks = setup.watermarks
            zone.pointee.lowmemReserve = (setup.protection[0], setup.protection[1], setup.protection[2])
            for cpu in 0..<cpus {
                // pageset_update leaves high alone: it starts at 0 and is clamped on first use.
                let pcp = zone.pointee.pcp(cpu)
                pcp.pointee.batch = setup.batch
                pcp.pointee.highMin = configuration.pcpHigh ?? setup.highMin
                pcp.pointee.highMax = configuration.pcpHigh ?? setup.highMax
                // zone_pcp_update_cacheinfo.
                if slicePages > 3 * setup.batch { pcp.pointee.flags |= PerCPUPages.freeHighBatch }
            }
        }
    }

    /// zone_batchsize: about a quarter of a megabyte's worth scaled to the zone, as 2^n - 1.
    static func zoneBatchSize(managedPages: Int) -> Int {
        var batch = min(managedPages >> 10, (1 << 20) / PhysicalMemory.pageSize) / 4
        if batch < 1 { batch = 1 }
        let value = batch + batch / 2
        let roundedDown = 1 << (Int.bitWidth - 1 - value.leadingZeroBitCount)
        return max(1, roundedDown - 1)
    }
}

extension Zone {
    /// __zone_watermark_ok without the per-order scan: a request that passes here but finds
    /// no block of its order fails in rmqueue, which is what the scan would have predicted.
    @inlinable
    func watermarkOK(order: Int, level: WatermarkLevel, highest: ZoneType, flags: AllocFlags) -> Bool {
        watermarkOK(order: order, level: level, highest: highest, flags: flags,
                    free: freePages.load(ordering: .relaxed))
    }

    /// The same test against a given count of free pages (should_reclaim_retry passes free plus
    /// reclaimable).
    @inlinable
    func watermarkOK(order: Int, level: WatermarkLevel, highest: ZoneType, flags: AllocFlags, free: Int) -> Bool {
        if flags.contains(.noWatermarks) { return true }
        var mark: Int
        switch level {
        case .min: mark = watermarks.min
        case .low: mark = watermarks.low
        case .high: mark = watermarks.high
        }
        if flags.contains(.minReserve) {
            mark -= mark / 2
            if flags.contains(.nonBlock) { mark -= mark / 4 }
        }
        return free - ((1 << order) - 1) > mark + reserve(for: highest)
    }
}
