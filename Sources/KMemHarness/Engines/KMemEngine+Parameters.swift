import KMem

/// The `kmem` engine's parameters (a contract: `tune` sweeps them by these names) and how
/// they become the model kernel's configuration.
extension KMemEngine {
    static let memory = Parameter.bytes("memory", default: "256M", (16 << 20)...(64 << 30), "physical memory of the model")
    static let cpus = Parameter.integer("cpus", default: CPU.configuredCount, 1...128,
        "model CPUs (per-CPU page lists, magazines, per-CPU units); thread i runs as CPU i mod cpus")
    static let pcpBatch = Parameter.integerOrAuto("pcp_batch", 1...65536,
        "pages moved between a per-CPU list and the zone at once (auto: zone_batchsize)")
    static let pcpHigh = Parameter.integerOrAuto("pcp_high", 0...1 << 20,
        "a fixed per-CPU list high mark in pages (auto: tuned as Linux 6.7+ tunes it, between the low watermark's share per CPU and an eighth of the zone per CPU)")
    static let thp = Parameter.flag("thp", default: true,
        "CONFIG_TRANSPARENT_HUGEPAGE: per-CPU lists keep pageblock-order (2 MiB) blocks too")
    static let statInterval = Parameter.duration("stat_interval", default: "1s", 0.001...86400,
        "vm.stat_interval: how often the vmstat worker decays each per-CPU list's high")
    static let strict = Parameter.flag("strict", default: false,
        "trap on a sleep-in-atomic violation instead of only counting it")
    static let kswapd = Parameter.flag("kswapd", default: true, "run the background reclaim thread")
    static let kernel = Parameter.choice("kernel", default: KernelProfile.newest,
        "kernel profile: 6.18 (SLUB's per-CPU slabs on every cache, sheaves only where a cache asks for them) or 7.0 (the sheaves-for-all series: sheaves on every cache, sized by calculate_sheaf_capacity)")
    static let percpu = Parameter<PerCPUDesign?>.choiceOrAuto("percpu",
        "per-CPU slab layer of every cache: auto (the kernel profile's), SLUB's per-CPU slabs, Bonwick magazines, Linux sheaves, or none (every operation takes the list lock)")
    static let fastPath = Parameter.choice("fastpath", default: PerCPUFastPath.rseq,
        "how the magazine designs' per-CPU fast path claims a CPU's magazines: restartable sequences (rseq: no locked instruction, and an interrupt always finds its CPU's magazines consistent, as preempt_disable guarantees; uses the real CPU, so it falls back to exchange when cpus differs from the machine's and where rseq is unavailable), or an atomic exchange per operation on the thread's model CPU")
    static let magazine = Parameter.integerOrAuto("magazine", 0...65536,
        "magazine (sheaf) capacity in objects; for slub, cpu_partial (auto: by object size, as each design sizes it)")
    static let depotCap = Parameter.integerOrAuto("depot_cap", 0...1 << 20,
        "full and empty magazines the depot (barn) keeps each (auto: 10 for sheaves, working set for bonwick)")
    static let maxMagazine = Parameter.integer("max_magazine", default: 143, 1...65536,
        "largest capacity Bonwick's growth on depot contention reaches")
    static let slabOrder = Parameter.integer("slab_order", default: 3, 0...PageAllocator.maxOrder, "slub_max_order")
    static let debug = Parameter.letters("debug", default: "-", "FZPU",
        "slab_debug for every cache: F checks, Z red zones, P poisoning, U owner tracking (debug caches bypass the per-CPU layer)")
    static let hardenedFree = Parameter.flag("hardened_free", default: false,
        "the model's double-free check on every free (marks each object at allocation, reads the mark at free); off, as in the kernel: only debug caches check, and SLUB's hardened freelist catches an object freed twice in a row")
    static let cpuWaits = Parameter.flag("cpu_waits", default: true,
        "a context (an interrupt, or a thread sharing a model CPU) that finds its CPU's per-CPU cache in use by another context on that CPU waits for that step, as the kernel serialises them (false: it goes to the slab layer); slot-busy events are counted per context")
    static let reapInterval = Parameter.duration("reap_interval", default: "15s", 0.001...86400,
        "Bonwick's working-set interval (kmem_reap_interval): each ends with the depot's low-water update and, if contended, a magazine resize; memory pressure reaps what two intervals did not use")
    static let vmallocReuse = Parameter.flag("vmalloc_reuse", default: true,
        "model-only shortcut: a vmalloc of exactly the frames a lazily freed area still maps takes that area over instead of mapping again (the model maps with mmap, ~30x the kernel's page-table cost)")
    static let vmallocSize = Parameter.bytes("vmalloc_size", default: "64G", (1 << 30)...(1 << 46),
        "virtual address space reserved for vmalloc (no memory is committed for it; lower it where address space is limited, as under valgrind)")
    static let oomVictim = Parameter.bytes("oom_victim", default: "0", 0...(64 << 30),
        "memory a stand-in task holds from the start for the OOM killer to kill (0: none, so an out-of-memory GFP_KERNEL request fails where the kernel would panic)")
    static let failPageAlloc = Parameter.integer("fail_page_alloc", default: 0, 0...100,
        "fail_page_alloc probability in percent (0: off)")
    static let failslab = Parameter.integer("failslab", default: 0, 0...100, "failslab probability in percent (0: off)")
    static let failMinOrder = Parameter.integer("fail_min_order", default: 1, 0...PageAllocator.maxOrder,
        "fail_page_alloc fails only requests of at least this order")
    static let failIgnoreWait = Parameter.flag("fail_ignore_wait", default: true,
        "fault injection spares requests that may block (direct reclaim)")

    public static let parameters: [ParameterSchema] = [
        memory.schema, cpus.schema, pcpBatch.schema, pcpHigh.schema, strict.schema, kswapd.schema, kernel.schema, percpu.schema,
        fastPath.schema, magazine.schema, depotCap.schema, maxMagazine.schema, slabOrder.schema, debug.schema,
        hardenedFree.schema, cpuWaits.schema, reapInterval.schema, vmallocReuse.schema, vmallocSize.schema, oomVictim.schema,
        failPageAlloc.schema, failslab.schema, failMinOrder.schema, failIgnoreWait.schema, thp.schema, statInterval.schema,
    ]

    static func configuration(_ values: ParameterValues) throws(KMemError) -> Kernel.Configuration {
        var configuration = Kernel.Configuration()
        configuration.pages.memorySize = values[memory]
        configuration.pages.cpus = values[cpus]
        configuration.pages.pcpBatch = values[pcpBatch]
        configuration.pages.pcpHigh = values[pcpHigh]
        configuration.pages.strictSleepCheck = values[strict]
        configuration.pages.kswapd = values[kswapd]
        configuration.pages.transparentHugepage = values[thp]
        configuration.pages.statInterval = values[statInterval]
        configuration.slab.profile = values[kernel]
        configuration.slab.design = values[percpu]
        configuration.slab.fastPath = values[fastPath]
        configuration.slab.magazineCapacity = values[magazine]
        configuration.slab.depotFullCap = values[depotCap]
        configuration.slab.depotEmptyCap = values[depotCap]
        configuration.slab.maxMagazineCapacity = values[maxMagazine]
        configuration.slab.slabMaxOrder = values[slabOrder]
        configuration.vmalloc.reuseStaleMappings = values[vmallocReuse]
        configuration.vmalloc.rangeSize = values[vmallocSize]
        configuration.slab.debug = try SlabFlags(debugOptions: values[debug])
        configuration.slab.reapInterval = values[reapInterval]
        configuration.slab.hardenedFreeCheck = values[hardenedFree]
        if !values[cpuWaits] { configuration.slab.perCPUWait = nil }
        return configuration
    }
}

/// failslab and fail_page_alloc as the parameters set them, armed for the whole run
/// (times = -1) and quiet: the harness counts the failures itself.
struct FaultInjection: Sendable {
    let pageAllocPercent, slabPercent, minOrder: Int
    let ignoreWait: Bool

    init(_ values: ParameterValues) {
        pageAllocPercent = values[KMemEngine.failPageAlloc]
        slabPercent = values[KMemEngine.failslab]
        minOrder = values[KMemEngine.failMinOrder]
        ignoreWait = values[KMemEngine.failIgnoreWait]
    }

    /// Validates the settings without arming them (a bad one fails the engine at once).
    func check(_ pages: PageAllocator) throws(KMemError) {
        try pages.failPageAlloc.configure(pageAllocSettings(pages, percent: 0))
        try pages.failslab.configure(slabSettings(pages, percent: 0))
    }

    func arm(_ pages: PageAllocator) {
        // Validated by `check`: cannot throw here.
        if pageAllocPercent > 0 { try! pages.failPageAlloc.configure(pageAllocSettings(pages, percent: pageAllocPercent)) }
        if slabPercent > 0 { try! pages.failslab.configure(slabSettings(pages, percent: slabPercent)) }
    }

    func pageAllocSettings(_ pages: PageAllocator, percent: Int) -> FailPageAlloc.Settings {
        settings(pages.failPageAlloc, percent: percent) { filter in
            filter.minOrder = minOrder
            filter.ignoreGfpWait = ignoreWait
        }
    }

    func slabSettings(_ pages: PageAllocator, percent: Int) -> Failslab.Settings {
        settings(pages.failslab, percent: percent) { $0.ignoreGfpWait = ignoreWait }
    }

    func settings<Filter>(_ attribute: FaultAttr<Filter>, percent: Int,
                          filter: (inout Filter) -> Void) -> FaultAttr<Filter>.Settings {
        var settings = attribute.currentSettings
        settings.probability = percent
        settings.times = -1
        settings.verbose = false
        filter(&settings.filter)
        return settings
    }
}
