/// Every workload by name, each paired with a runner closure that is compiled per concrete
/// workload type: `AnyEngine.run` then specialises it per engine.
public struct WorkloadEntry: Sendable {
    public let info: WorkloadInfo
    /// The type, for running on engines outside `AnyEngine` (tests' engines; unspecialised).
    public let type: any Workload.Type
    let instantiate: @Sendable (ParameterValues) -> WorkloadInstance

    static func of<W: Workload>(_ type: W.Type) -> WorkloadEntry {
        WorkloadEntry(info: W.info, type: W.self) { values in
            let workload = W(values)
            return WorkloadInstance(requestKinds: workload.requestKinds, minimumThreads: workload.minimumThreads,
                                    largestObject: workload.largestObject) {
                engine, context in engine.run(workload, context)
            }
        }
    }
}

/// One workload with its parameters, ready to run on any engine that serves its kinds.
public struct WorkloadInstance: Sendable {
    public let requestKinds: RequestKinds
    public let minimumThreads: Int
    public let largestObject: Int?
    let run: @Sendable (AnyEngine, WorkloadContext) -> Void

    /// nil when this workload can run on an engine serving `kinds` with `threads` threads,
    /// else the reason (a cell that cannot run is reported as skipped, with this).
    public func incompatibility(engineKinds kinds: RequestKinds, engine: String, threads: Int) -> String? {
        if !kinds.isSuperset(of: requestKinds) {
            return "\(engine) serves \(kinds) requests; the workload needs \(requestKinds)"
        }
        if threads < minimumThreads { return "the workload needs at least \(minimumThreads) threads" }
        return nil
    }
}

public enum WorkloadRegistry {
    public static let all: [WorkloadEntry] = [
        .of(Pair.self), .of(Batch.self), .of(CrossFree.self), .of(PageChurn.self),
        .of(NetRx.self), .of(KmallocMix.self), .of(Dcache.self), .of(BioMempool.self), .of(VmallocCases.self),
        .of(Larson.self), .of(Xmalloc.self), .of(FalseSharing.Scratch.self), .of(FalseSharing.self),
        .of(Sh6bench.self), .of(Mstress.self), .of(GlibcThread.self), .of(AllocTest.self), .of(TraceReplay.self),
    ]

    public static func entry(_ name: String) throws(SpecError) -> WorkloadEntry {
        guard let entry = all.first(where: { $0.info.name == name }) else {
            throw SpecError("unknown workload '\(name)' (known: \(all.map(\.info.name).joined(separator: ", ")))")
        }
        return entry
    }

    /// Validates a spec and builds the workload.
    public static func instantiate(_ spec: NamedSpec) throws(SpecError) -> WorkloadInstance {
        let entry = try entry(spec.name)
        let values = try ParameterValues(spec, schema: entry.info.parameters, what: "workload \(spec.name)")
        return entry.instantiate(values)
    }
}
