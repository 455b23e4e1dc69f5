import KMem

/// The model kernel. For now it serves page requests through the buddy allocator and its
/// per-CPU lists; object requests (kmalloc, kmem_cache) join when the slab layer lands, and
/// with them the slab-layer parameters (`KMemEngine.slabKeys`).
public final class KMemEngine: Engine {
    public let allocator: PageAllocator
    public static let requestKinds: RequestKinds = .pages
    public var requestKinds: RequestKinds { Self.requestKinds }

    /// Parameters `kmem` takes now.
    public static let parameters: [ParameterSchema] = [
        ParameterSchema("memory", default: "256M", .bytes((16 << 20)...(64 << 30)), "physical memory of the model"),
        ParameterSchema("cpus", default: "\(CPU.configuredCount)", .integer(1...4096),
                        "model CPUs (per-CPU page lists); thread i runs as CPU i mod cpus"),
        ParameterSchema("pcp_batch", default: "auto", .integerOrAuto(1...65536),
                        "pages moved between a per-CPU list and the zone at once (auto: zone_batchsize)"),
        ParameterSchema("pcp_high", default: "auto", .integerOrAuto(0...1 << 20),
                        "per-CPU list high mark in pages (auto: the kernel's share of the low watermark)"),
        ParameterSchema("strict", default: "false", .choice(["false", "true"]),
                        "trap on a sleep-in-atomic violation instead of only counting it"),
        ParameterSchema("kswapd", default: "true", .choice(["false", "true"]), "run the background reclaim thread"),
    ]

    /// Keys that arrive with the slab, vmalloc and fault-injection work. Named here so that
    /// using one says why it is not there yet instead of "unknown key".
    public static let slabKeys = ["percpu", "magazine", "depot_cap", "debug", "fault"]

    public init(_ values: ParameterValues) throws(KMemError) {
        var configuration = PageAllocator.Configuration()
        configuration.memorySize = values.int("memory")
        configuration.cpus = values.int("cpus")
        configuration.pcpBatch = values.string("pcp_batch") == "auto" ? nil : values.int("pcp_batch")
        configuration.pcpHigh = values.string("pcp_high") == "auto" ? nil : values.int("pcp_high")
        configuration.strictSleepCheck = values.string("strict") == "true"
        configuration.kswapd = values.string("kswapd") == "true"
        allocator = try PageAllocator(configuration)
    }

    public func makeWorker(cpu: Int) -> KMemWorker { KMemWorker(allocator: Unmanaged.passUnretained(allocator)) }

    public func retire(_ worker: inout KMemWorker) {}

    /// Pages not free in the buddy lists, per-CPU lists included: what the allocator has
    /// taken out of the free pool.
    public func footprintBytes() -> Int? {
        (allocator.memory.pageCount - allocator.freePagesTotal) * PhysicalMemory.pageSize
    }

    public func report() -> EngineReport {
        let statistics = allocator.statistics()
        var report = EngineReport()
        report.allocationFailures = statistics.event(.allocationFailures)
        report.reserveUse = statistics.event(.reserveAllocations)
        report.reclaimEvents = statistics.event(.allocStalls) + statistics.event(.kswapdRuns)
        report.sleepViolations = allocator.sleepCheck.violations
        for (name, value) in statistics.events { report.extra[name] = value }
        report.extra["pcp_pages"] = statistics.pcpPages
        return report
    }
}

/// Page requests straight into the page allocator; the calling thread's model CPU (bound by
/// the harness) picks the per-CPU list.
public struct KMemWorker: EngineWorker {
    /// Unretained: an `unowned(unsafe)` reference still costs a retain and release per call.
    @usableFromInline let allocator: Unmanaged<PageAllocator>

    @inlinable
    public func allocPages(order: Int, gfp: GFP) -> UnsafeMutableRawPointer? {
        allocator._withUnsafeGuaranteedRef { $0.getFreePages(gfp.union(.nowarn), order: order) }
    }

    @inlinable
    public func freePages(_ pages: UnsafeMutableRawPointer, order: Int) {
        let problem: KMemError? = allocator._withUnsafeGuaranteedRef { allocator in
            do throws(KMemError) {
                try allocator.freePages(address: pages, order: order)
                return nil
            } catch { return error }
        }
        if let error = problem {
            fatalError("kmem: harness freed pages wrongly: \(error)")
        }
    }
}
