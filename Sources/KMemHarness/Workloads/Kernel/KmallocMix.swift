import KMem

/// `kmalloc-mix`: the kernel's kmalloc size and lifetime mix, from process context and from
/// interrupts.
public struct KmallocMix: Workload {
    /// kmalloc caches and how often requests land in each (weights, not measured shares).
    static let sizeMix = SizeDistribution.weighted([
        (8, 5), (16, 8), (32, 12), (64, 18), (96, 6), (128, 12), (192, 8), (256, 10),
        (512, 8), (1024, 6), (2048, 4), (4096, 2), (8192, 1),
    ])

    public static let info = WorkloadInfo(
        name: "kmalloc-mix",
        pattern: "process threads (GFP_KERNEL) draw kmalloc-class sizes 8..8192 by a fixed weight table and a "
            + "lifetime: short (freed at once), medium (freed fifo entries later) or long (kept in a pool of "
            + "long_slots, replaced at random); an interrupt source at rate allocates burst small objects "
            + "(64..512 B, GFP_ATOMIC) in hardirq and frees them in softirq on another CPU",
        models: "the mix of short-lived temporaries, request-lifetime and long-lived kmalloc objects, with "
            + "interrupt-time allocations competing for the same caches",
        parameters: [short.schema, medium.schema, fifo.schema, longSlots.schema, rate.schema, burst.schema])

    static let short = Parameter.number("short", default: 0.6, 0...1, "share of short-lived objects")
    static let medium = Parameter.number("medium", default: 0.3, 0...1, "share of medium-lived objects (rest: long)")
    static let fifo = Parameter.integer("fifo", default: 256, 1...1 << 20, "medium lifetime, in allocations")
    static let longSlots = Parameter.integer("long_slots", default: 4096, 1...1 << 20, "long-lived objects per thread")
    static let rate = Parameter.number("rate", default: 5000, 1...1_000_000, "interrupts per second")
    static let burst = Parameter.integer("burst", default: 4, 0...4096, "objects per interrupt")

    let shortShare, mediumShare, rate: Double
    let fifo, longSlots, burst: Int

    public init(_ values: ParameterValues) {
        shortShare = values[Self.short]
        mediumShare = values[Self.medium]
        fifo = values[Self.fifo]
        longSlots = values[Self.longSlots]
        rate = values[Self.rate]
        burst = values[Self.burst]
    }

    public var requestKinds: RequestKinds { .objects }

    public func run<E: Engine>(on engine: E, _ context: WorkloadContext) {
        let pending = HandoffRing(capacity: 4 * max(burst, 1) * 64)
        let irqState = ContextState(random: context.random(stream: context.threads))
        let plan = InterruptPlan<E>(
            rate: rate, cpu: context.threads, softirqCPU: 0,
            hardirq: { [burst] driver, _ in
                for _ in 0..<burst {
                    let size = 64 + irqState.random.below(449)
                    guard !pending.isFull, let object = driver.allocObject(size: size, gfp: .atomic) else { continue }
                    _ = pending.push(object, amount: size)
                }
            },
            softirq: { driver in pending.drainAvailable(&driver, kind: .objects, remote: true) })
        context.runThreads(engine, interrupts: [plan]) { [self] thread, driver in
            processLoop(thread, &driver, context)
        }
    }

    private func processLoop<W>(_ thread: Int, _ driver: inout Driver<W>, _ context: WorkloadContext) {
        var random = context.random(stream: thread)
        let sizes = SizeTable(Self.sizeMix, random: &random)
        let medium = BlockArray(count: fifo), long = BlockArray(count: longSlots)
        defer { sizes.deallocate(); medium.deallocate(); long.deallocate() }
        var round = 0, fifoHead = 0
        while driver.more(round) {
            round &+= 1
            let size = sizes.draw(&random)
            guard let object = driver.allocObject(size: size, gfp: .kernel) else { continue }
            let lifetime = random.unit()
            let (held, slot): (BlockArray, Int)
            if lifetime < shortShare {
                driver.freeObject(object, size: size)
                continue
            } else if lifetime < shortShare + mediumShare {
                (held, slot) = (medium, fifoHead)
                fifoHead = (fifoHead + 1) % fifo
            } else {
                (held, slot) = (long, random.below(longSlots))
            }
            if let old = held.blocks[slot] { driver.freeObject(old, size: held.amounts[slot]) }
            held[slot] = (object, size)
        }
        medium.freeAll(&driver, kind: .objects)
        long.freeAll(&driver, kind: .objects)
    }
}
