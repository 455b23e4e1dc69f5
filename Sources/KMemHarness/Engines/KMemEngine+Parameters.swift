import KMem

/// The `kmem` engine's parameters (a contract: `tune` sweeps them by these names) and how
/// they become the model kernel's configuration.
extension KMemEngine {
    public static let parameters: [ParameterSchema] = [
        ParameterSchema("memory", default: "256M", .bytes((16 << 20)...(64 << 30)), "physical memory of the model"),
        ParameterSchema("cpus", default: "\(CPU.configuredCount)", .integer(1...128),
                        "model CPUs (per-CPU page lists, magazines, per-CPU units); thread i runs as CPU i mod cpus"),
        ParameterSchema("pcp_batch", default: "auto", .integerOrAuto(1...65536),
                        "pages moved between a per-CPU list and the zone at once (auto: zone_batchsize)"),
        ParameterSchema("pcp_high", default: "auto", .integerOrAuto(0...1 << 20),
                        "per-CPU list high mark in pages (auto: the kernel's share of the low watermark)"),
        ParameterSchema("strict", default: "false", .choice(["false", "true"]),
                        "trap on a sleep-in-atomic violation instead of only counting it"),
        ParameterSchema("kswapd", default: "true", .choice(["false", "true"]), "run the background reclaim thread"),
        ParameterSchema("percpu", default: "sheaves", .choice(PerCPUDesign.allCases.map(\.rawValue)),
                        "per-CPU slab layer: Bonwick magazines, Linux sheaves, or none (every operation takes the list lock)"),
        ParameterSchema("fastpath", default: "exchange", .choice(PerCPUFastPath.allCases.map(\.rawValue)),
                        "how the slab's per-CPU fast path claims a CPU's magazines: an atomic exchange per operation, or restartable sequences (rseq: no locked instruction; uses the real CPU, so cpus must be at least the machine's; falls back to exchange where unavailable)"),
        ParameterSchema("magazine", default: "auto", .integerOrAuto(0...65536),
                        "magazine (sheaf) capacity in objects (auto: by object size, as each design sizes it)"),
        ParameterSchema("depot_cap", default: "auto", .integerOrAuto(0...1 << 20),
                        "full and empty magazines the depot (barn) keeps each (auto: 10 for sheaves, working set for bonwick)"),
        ParameterSchema("max_magazine", default: "143", .integer(1...65536),
                        "largest capacity Bonwick's growth on depot contention reaches"),
        ParameterSchema("slab_order", default: "3", .integer(0...PageAllocator.maxOrder), "slub_max_order"),
        ParameterSchema("debug", default: "-", .letters("FZPU"),
                        "slab_debug for every cache: F checks, Z red zones, P poisoning, U owner tracking (debug caches bypass the per-CPU layer)"),
        ParameterSchema("reap_interval", default: "15s", .duration(0.001...86400),
                        "Bonwick working-set reaping period"),
        ParameterSchema("vmalloc_reuse", default: "true", .choice(["true", "false"]),
                        "model-only shortcut: a vmalloc of exactly the frames a lazily freed area still maps takes that area over instead of mapping again (the model maps with mmap, ~30x the kernel's page-table cost)"),
        ParameterSchema("fail_page_alloc", default: "0", .integer(0...100),
                        "fail_page_alloc probability in percent (0: off)"),
        ParameterSchema("failslab", default: "0", .integer(0...100), "failslab probability in percent (0: off)"),
        ParameterSchema("fail_min_order", default: "1", .integer(0...PageAllocator.maxOrder),
                        "fail_page_alloc fails only requests of at least this order"),
        ParameterSchema("fail_ignore_wait", default: "true", .choice(["true", "false"]),
                        "fault injection spares requests that may block (direct reclaim)"),
    ]

    static func configuration(_ values: ParameterValues) throws(KMemError) -> Kernel.Configuration {
        var configuration = Kernel.Configuration()
        configuration.pages.memorySize = values.int("memory")
        configuration.pages.cpus = values.int("cpus")
        configuration.pages.pcpBatch = values.intOrAuto("pcp_batch")
        configuration.pages.pcpHigh = values.intOrAuto("pcp_high")
        configuration.pages.strictSleepCheck = values.string("strict") == "true"
        configuration.pages.kswapd = values.string("kswapd") == "true"
        configuration.slab.design = PerCPUDesign(rawValue: values.string("percpu"))!
        configuration.slab.fastPath = PerCPUFastPath(rawValue: values.string("fastpath"))!
        configuration.slab.magazineCapacity = values.intOrAuto("magazine")
        configuration.slab.depotFullCap = values.intOrAuto("depot_cap")
        configuration.slab.depotEmptyCap = values.intOrAuto("depot_cap")
        configuration.slab.maxMagazineCapacity = values.int("max_magazine")
        configuration.slab.slabMaxOrder = values.int("slab_order")
        configuration.vmalloc.reuseStaleMappings = values.string("vmalloc_reuse") == "true"
        configuration.slab.debug = try SlabFlags(debugOptions: values.string("debug"))
        configuration.slab.reapInterval = .milliseconds(Int64(values.seconds("reap_interval") * 1000))
        return configuration
    }
}

/// failslab and fail_page_alloc as the parameters set them, armed for the whole run
/// (times = -1) and quiet: the harness counts the failures itself.
struct FaultInjection: Sendable {
    let pageAllocPercent, slabPercent, minOrder: Int
    let ignoreWait: Bool

    init(_ values: ParameterValues) {
        pageAllocPercent = values.int("fail_page_alloc")
        slabPercent = values.int("failslab")
        minOrder = values.int("fail_min_order")
        ignoreWait = values.string("fail_ignore_wait") == "true"
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
