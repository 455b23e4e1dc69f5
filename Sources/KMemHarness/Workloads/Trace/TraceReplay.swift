import KMem
import Synchronization

/// `trace`: a recorded kmem trace (kmembench trace record / import) replayed on the engine.
public struct TraceReplay: Workload {
    public static let info = WorkloadInfo(
        name: "trace",
        pattern: "replays a kmem trace: one worker per traced CPU (CPU c on worker c mod threads), each running "
            + "its CPU's kmalloc, kfree, kmem_cache_alloc/free and page events in order, in the recorded context; "
            + "a free of an object another worker allocates waits for that allocation, nothing else serialises. "
            + "One round is one pass over the trace; between passes the objects still live are freed, "
            + "uncounted and untimed (every worker waits at a barrier while they are). "
            + "docs/trace-format.md",
        models: "a real machine's slab and page allocation traffic (the kernel's kmem tracepoints)",
        parameters: [file.schema, speed.schema, kinds.schema, fold.schema])

    static let file = Parameter<TraceFileReference>.traceFile("file", "the trace file (kmembench trace record or import)")
    static let speed = Parameter<ReplaySpeed>.replaySpeed("speed",
        "max: as fast as dependencies allow; paced: the recorded timing; a number: that many times faster than recorded")
    static let kinds = Parameter.choice("kinds", default: ReplayKinds.all,
        "slab: kmalloc and kmem_cache events; pages: page events; slab+pages: both")
    static let fold = Parameter.flag("fold", default: true,
        "replay traced CPUs beyond the thread count on worker cpu mod threads; false: such a cell is refused")

    let reference: TraceFileReference
    let speed: ReplaySpeed
    let selection: ReplayPlan.Selection
    let fold: Bool

    public init(_ values: ParameterValues) {
        reference = values[Self.file]
        speed = values[Self.speed]
        selection = values[Self.kinds].selection
        fold = values[Self.fold]
    }

    public var requestKinds: RequestKinds {
        let header = reference.header
        var kinds: RequestKinds = []
        if selection.contains(.slab) {
            if header.count(.kmalloc) > 0 { kinds.insert(.objects) }
            if header.count(.cacheAlloc) > 0 { kinds.insert(.caches) }
        }
        if selection.contains(.pages) && header.count(.pageAlloc) > 0 { kinds.insert(.pages) }
        return kinds
    }

    public var minimumThreads: Int { fold ? 1 : max(reference.header.cpuCount, 1) }

    public func run<E: Engine>(on engine: E, _ context: WorkloadContext) {
        let trace: Trace
        do { trace = try reference.load() } catch { fatalError("workload trace: \(error)") }
        let pairing = TracePairing(trace)
        let plan = ReplayPlan(trace, pairing: pairing, selection: selection, threads: context.threads)
        // Decoding the trace and building the plan are the harness's own (Swift's heap, on
        // every engine): the allocator's memory is measured from here.
        context.openResidentWindow()
        let handles = plan.caches.map { engine.createCache(name: $0.name, size: $0.size) }
        plan.setHandles(handles)
        context.addFigures(plan.figures)
        // The model's figures are taken over the passes after the first when there are several:
        // the first fills the empty per-CPU lists and caches the kernel had warm.
        let before = Mutex(ReplayModelFigures(engine))
        let barrier = PassBarrier(parties: context.threads) { before.withLock { $0 = ReplayModelFigures(engine) } }
        context.runThreads(engine) { [speed] thread, driver in
            var replayer = Replayer(plan: plan, worker: thread, control: context.control, barrier: barrier, speed: speed)
            replayer.run(&driver)
            context.addFigures(replayer.figures(first: thread == 0))
        }
        context.addFigures(ReplayModelFigures(engine).figures(since: before.withLock { $0 }, engine, trace: trace, pairing: pairing, selection: selection,
                                                                          threads: context.threads, pinned: context.options.affinity))
        handles.forEach(engine.destroyCache)
    }
}

/// The `kinds` parameter.
enum ReplayKinds: String, CaseIterable, Sendable {
    case all = "slab+pages", slab, pages

    var selection: ReplayPlan.Selection {
        switch self {
        case .all: [.slab, .pages]
        case .slab: .slab
        case .pages: .pages
        }
    }
}
