/// The engines a cell can run, as concrete types: the runner switches once per cell and each
/// branch calls the workload's generic `run` with a concrete engine, so the compiler emits a
/// specialised loop per (workload, engine).
public enum AnyEngine: Sendable {
    case kmem(KMemEngine)
    case baseline(BaselineEngine)
    case floor(FloorEngine)
    case mmap(MmapEngine)

    var engine: any Engine {
        switch self {
        case .kmem(let engine): engine
        case .baseline(let engine): engine
        case .floor(let engine): engine
        case .mmap(let engine): engine
        }
    }

    public var requestKinds: RequestKinds { engine.requestKinds }
    func footprintBytes() -> Int? { engine.footprintBytes() }
    func report() -> EngineReport { engine.report() }

    func run<W: Workload>(_ workload: W, _ context: WorkloadContext) {
        switch self {
        case .kmem(let engine): workload.run(on: engine, context)
        case .baseline(let engine): workload.run(on: engine, context)
        case .floor(let engine): workload.run(on: engine, context)
        case .mmap(let engine): workload.run(on: engine, context)
        }
    }
}
