// The page allocator's locking.
//
// Lock order (take only downwards):
//   1. the shrinker registry (ShrinkerRegistry, a sleeping lock): reclaim only, which runs in
//      contexts that may block; shrinkers are called on a copy of the list, without it
//   2. a CPU's per_cpu_pages lock (PerCPUPages.lock, a spinlock), only ever try-locked: a
//      context that finds it held goes to the zone instead (the vmstat worker and drains
//      retry later). It guards that CPU's pcp lists, their count, batch, high and its tuning
//      (allocFactor, freeCount, flags)
//   3. zone->lock (Zone.lock, a spinlock): the buddy free lists and their counts, every free
//      page's descriptor (type, order, list links), the pageblock migratetypes, the zone's
//      events. rmqueue_bulk and free_pcppages_bulk take it while holding 2
// Lock-free: NR_FREE_PAGES (an atomic read by watermark checks without the lock), per-CPU and
// vmstat event counters, the watermarks (set at boot and on min_free_kbytes changes), the
// zone flags ZONE_BELOW_HIGH and ZONE_RECLAIM_ACTIVE (atomic bits).
//
// Debug-build checks: SpinLock.assertHeld() on every free-list and pcp-list update; compiled
// out of release.

import Synchronization

/// The buddy page allocator of the model kernel: physical memory split into zones, each with
/// buddy free lists, watermarks and per-CPU page lists; reclaim through shrinkers, kswapd and
/// direct reclaim; the kernel's GFP semantics, warnings and OOM reports.
public final class PageAllocator: @unchecked Sendable {
    // Sendable: immutable references plus pointer-addressed state whose every field is guarded
    // by a spinlock or is atomic, as documented on Zone and PerCPUPages.

    public static let maxOrder = 10
    /// PAGE_ALLOC_COSTLY_ORDER: larger requests do not invoke the OOM path and give up early.
    public static let costlyOrder = 3
    /// MAX_RECLAIM_RETRIES: rounds of reclaim without progress before the OOM path.
    public static let maxReclaimRetries = 16

    public struct Configuration: Sendable {
        public var memorySize = 1 << 30
        /// Per-CPU structures to create; CPU numbers beyond this wrap around.
        public var cpus = CPU.configuredCount
        /// Where ZONE_DMA and ZONE_DMA32 end, as on x86-64. Lowering them gives small test
        /// machines all three zones.
        public var dmaLimit = 16 << 20
        public var dma32Limit = 4 << 30
        /// nil: the kernel's formula (sqrt(lowmem_kB * 16), clamped to 128 kB ... 256 MB).
        public var minFreeKbytes: Int? = nil
        /// watermark_scale_factor, in 1/10000 of a zone.
        public var watermarkScaleFactor = 10
        /// nil: the kernel's zone_batchsize.
        public var pcpBatch: Int? = nil
        /// A fixed pcp high (high_min = high_max, so high never moves, as when
        /// percpu_pagelist_high_fraction is set); nil: high tuned between the low watermark's
        /// share per CPU and an eighth of the zone per CPU, as since Linux 6.7.
        public var pcpHigh: Int? = nil
        /// CONFIG_TRANSPARENT_HUGEPAGE: pageblock-order (2 MiB) blocks get pcp lists too.
        public var transparentHugepage = true
        /// sysctl_stat_interval: how often the vmstat worker decays every pcp's high
        /// (decay_pcp_high); nil: no worker (tests call refreshCPUVMStats themselves).
        public var statInterval: Duration? = .seconds(1)
        /// per_cpu_data_slice_size in bytes, which decides PCPF_FREE_HIGH_BATCH; nil: this
        /// machine's, from sysfs cacheinfo.
        public var cacheSlicePerCPU: Int? = nil
        /// Run a kswapd thread woken below the low watermark.
        public var kswapd = true
        /// Trap on a sleep-in-atomic violation instead of only recording it.
        public var strictSleepCheck = false
        /// Echo kernel messages to standard error.
        public var echoKernelMessages = false

        public init() {}
    }

    public let configuration: Configuration
    public let memory: PhysicalMemory
    public let log: KernelLog
    public let sleepCheck: SleepCheck
    @usableFromInline let zones: UnsafeMutablePointer<Zone>
    @usableFromInline let cpus: Int
    public let minFreeKbytes: Int
    /// fail_page_alloc, checked at every allocation's entry.
    public let failPageAlloc: FailPageAlloc
    /// failslab: kernel-wide like fail_page_alloc, for the slab layer built on this allocator.
    public let failslab: Failslab
    let shrinkers = Registry<any Shrinker>()
    let oomVictims = Registry<any OOMVictim>()
    /// oom_lock: one OOM kill at a time.
    let oomLock = Atomic<Bool>(false)
    @usableFromInline let events = Counters<VMEvent>()
    /// warn_alloc's nopage_rs: one report per 10 * HZ.
    let allocationWarnings = RateLimit(intervalSeconds: 10, burst: 1)
    var kswapd: Kswapd!
    /// HPAGE_PMD_ORDER when THP is configured (the one order above the costly order that pcp
    /// lists keep), else -1, which no request has.
    @usableFromInline let pcpTHPOrder: Int
    var vmstat: KernelThread?

    public init(_ configuration: Configuration = Configuration()) throws(KMemError) {
        guard configuration.cpus >= 1, configuration.cpus <= 4096 else {
            throw .configuration("cpus must be between 1 and 4096, got \(configuration.cpus)")
        }
        guard configuration.dmaLimit > 0, configuration.dmaLimit <= configuration.dma32Limit,
              configuration.dmaLimit % (4 << 20) == 0, configuration.dma32Limit % (4 << 20) == 0 else {
            throw .configuration("zone limits must be multiples of 4 MiB with DMA <= DMA32 "
                                 + "(got \(configuration.dmaLimit) and \(configuration.dma32Limit))")
        }
        if let batch = configuration.pcpBatch, batch < 1 {
            throw .configuration("pcp batch must be at least 1, got \(batch)")
        }
        if let high = configuration.pcpHigh, high < 0 {
            throw .configuration("pcp high must not be negative, got \(high)")
        }
        if let interval = configuration.statInterval, interval <= .zero {
            throw .configuration("stat interval must be positive, got \(interval)")
        }
        self.configuration = configuration
        let memory = try PhysicalMemory(size: configuration.memorySize)
        self.memory = memory
        log = KernelLog(echo: configuration.echoKernelMessages)
        sleepCheck = SleepCheck(log: log, strict: configuration.strictSleepCheck)
        failPageAlloc = FailPageAlloc(name: "fail_page_alloc", filter: FailPageAllocFilter(), log: log)
        failslab = Failslab(name: "failslab", filter: FailslabFilter(), log: log)
        cpus = configuration.cpus
        pcpTHPOrder = configuration.transparentHugepage ? PerCPUPages.thpOrder : -1

        let limits = [configuration.dmaLimit, configuration.dma32Limit, Int.max].map {
            $0 == Int.max ? memory.pageCount : min(memory.pageCount, $0 >> PhysicalMemory.pageShift)
        }
        zones = .allocate(capacity: ZoneType.allCases.count)
        var start = 0
        for type in ZoneType.allCases {
            let end = max(start, limits[type.rawValue])
            (zones + type.rawValue).initialize(
                to: Zone(type: type, startPfn: start, endPfn: end, pages: memory.pages, cpus: cpus))
            for pfn in start..<end { memory.pages[pfn].zone = UInt8(type.rawValue) }
            start = end
        }
        minFreeKbytes = configuration.minFreeKbytes
            ?? PageAllocator.defaultMinFreeKbytes(lowmemPages: memory.pageCount)
        setupWatermarks()
        for type in ZoneType.allCases where zones[type.rawValue].isPopulated {
            zones[type.rawValue].lock.lock()
            zones[type.rawValue].freeAllRange()
            zones[type.rawValue].lock.unlock()
        }
        if configuration.kswapd { kswapd = Kswapd(allocator: self) }
        if let interval = configuration.statInterval {
            // Unretained, as kswapd holds it: deinit stops the worker before teardown.
            let allocator = Unmanaged.passUnretained(self)
            let cpus = cpus
            vmstat = KernelThread(name: "vmstat", period: .nanoseconds(max(1, Int(interval / .nanoseconds(1))))) {
                // vmstat_update runs on each CPU; here one worker takes them in turn.
                allocator._withUnsafeGuaranteedRef { allocator in
                    for cpu in 0..<cpus { allocator.refreshCPUVMStats(cpu: cpu) }
                }
                return true
            }
        }
    }

    deinit {
        vmstat?.stop()
        kswapd?.stop()
        zones.deinitialize(count: ZoneType.allCases.count)
        zones.deallocate()
    }

    /// get_order: the smallest order whose block holds `size` bytes.
    @inlinable public static func getOrder(_ size: Int) -> Int {
        precondition(size > 0, "get_order of a size of \(size)")
        let pages = (size - 1) >> PhysicalMemory.pageShift
        return pages == 0 ? 0 : Int.bitWidth - pages.leadingZeroBitCount
    }

    @inlinable func zone(_ type: ZoneType) -> UnsafeMutablePointer<Zone> { zones + type.rawValue }

    /// The CPU slot for the calling thread.
    @inlinable var currentCPU: Int {
        let cpu = CPU.current
        return cpu < cpus ? cpu : cpu % cpus
    }
}
