/// The engines a cell can run, as concrete types: the runner switches once per cell and each
/// branch calls the workload's generic `run` with a concrete engine, so the compiler emits a
/// specialised loop per (workload, engine).
public enum AnyEngine: Sendable {
    case kmem(KMemEngine)
    case baseline(BaselineEngine)
    case floor(FloorEngine)

    public var requestKinds: RequestKinds {
        switch self {
        case .kmem(let engine): engine.requestKinds
        case .baseline(let engine): engine.requestKinds
        case .floor(let engine): engine.requestKinds
        }
    }

    func footprintBytes() -> Int? {
        switch self {
        case .kmem(let engine): engine.footprintBytes()
        case .baseline(let engine): engine.footprintBytes()
        case .floor(let engine): engine.footprintBytes()
        }
    }

    func report() -> EngineReport {
        switch self {
        case .kmem(let engine): engine.report()
        case .baseline(let engine): engine.report()
        case .floor(let engine): engine.report()
        }
    }

    func run<W: Workload>(_ workload: W, _ context: WorkloadContext) {
        switch self {
        case .kmem(let engine): workload.run(on: engine, context)
        case .baseline(let engine): workload.run(on: engine, context)
        case .floor(let engine): workload.run(on: engine, context)
        }
    }
}
