import Synchronization
/// Watermarks, lowmem reserves and per-CPU list sizing, computed as mm/page_alloc.c does.
extension PageAllocator {
    /// sysctl_lowmem_reserve_ratio for DMA, DMA32 and Normal.
    static let lowmemReserveRatio = [256, 256, 32]

    /// min_free_kbytes = sqrt(lowmem_kB * 16), clamped to 128 kB ... 256 MB.
    static func defaultMinFreeKbytes(lowmemPages: Int) -> Int {
        let lowmemKbytes = lowmemPages * (PhysicalMemory.pageSize / 1024)
        let root = Int(Double(lowmemKbytes * 16).squareRoot())
        return min(max(root, 128), 262_144)
    }

    /// __setup_per_zone_wmarks and setup_per_zone_lowmem_reserve.
    func setupWatermarks() {
        let pagesMin = minFreeKbytes / (PhysicalMemory.pageSize / 1024)
        let lowmemPages = ZoneType.allCases.reduce(0) { $0 + zones[$1.rawValue].spannedPages }
        for type in ZoneType.allCases {
            let zone = self.zone(type)
            let managed = zone.pointee.spannedPages
            let share = lowmemPages == 0 ? 0 : pagesMin * managed / lowmemPages
            let delta = max(share / 4, managed * configuration.watermarkScaleFactor / 10_000)
            zone.pointee.watermarks = Watermarks(min: share, low: share + delta, high: share + 2 * delta)
            var reserve = [0, 0, 0]
            var upper = 0
            for higher in ZoneType.allCases where higher > type {
                upper += zones[higher.rawValue].spannedPages
                let ratio = PageAllocator.lowmemReserveRatio[type.rawValue]
                reserve[higher.rawValue] = managed == 0 ? 0 : upper / ratio
            }
            zone.pointee.lowmemReserve = (reserve[0], reserve[1], reserve[2])
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

    /// zone_highsize: high_min is the low watermark shared among CPUs, high_max an eighth of
    /// the zone shared among CPUs; both at least four batches.
    func setupPerCPUPages() {
        for type in ZoneType.allCases {
            let zone = self.zone(type)
            let managed = zone.pointee.spannedPages
            let batch = configuration.pcpBatch ?? PageAllocator.zoneBatchSize(managedPages: managed)
            let highMin = max(zone.pointee.watermarks.low / cpus, batch << 2)
            let highMax = max(managed / 8 / cpus, batch << 2)
            for cpu in 0..<cpus {
                let pcp = zone.pointee.pcp(cpu)
                pcp.pointee.batch = batch
                pcp.pointee.highMin = highMin
                pcp.pointee.highMax = highMax
                pcp.pointee.high = configuration.pcpHigh ?? highMin
            }
        }
    }
}

extension Zone {
    /// __zone_watermark_ok without the per-order scan: a request that passes here but finds
    /// no block of its order fails in rmqueue, which is what the scan would have predicted.
    @inlinable
    func watermarkOK(order: Int, level: WatermarkLevel, highest: ZoneType, flags: AllocFlags) -> Bool {
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
        if flags.contains(.oom) { mark -= mark / 2 }
        let free = freePages.load(ordering: .relaxed) - ((1 << order) - 1)
        return free > mark + reserve(for: highest)
    }
}
