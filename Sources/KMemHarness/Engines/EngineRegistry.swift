import KMem
import KMemBaselines

/// Every engine the harness knows: its name, parameters, whether it can run here, the
/// environment its child process needs, and how to build it inside that child.
public struct EngineInfo: Sendable {
    public let name: String
    public let summary: String
    public let parameters: [ParameterSchema]
    public let kind: EngineKind
    /// What the engine serves (known without building it, for planning a run).
    public let requestKinds: RequestKinds
    /// The largest object it serves (nil: no limit of its own).
    public var largestObject: Int? {
        switch kind {
        case .kmem: Kmalloc.maxSize
        case .floor: 1 << (FloorWorker.classes - 1)
        case .baseline, .mmap: nil
        }
    }

    /// The baseline behind the engine, when it is one.
    public var baseline: BaselineAllocator? {
        switch kind {
        case .baseline(let which): which
        case .kmem, .floor, .mmap: nil
        }
    }

    /// nil when the engine can run on this machine, else why not (naming the package).
    public var unavailableReason: String? {
        guard let baseline, !baseline.isInstalled else { return nil }
        return BaselineLoadError.notInstalled(baseline, library: baseline.libraryName).description
    }
}

/// Which engine an `EngineInfo` builds. Switched over without `default:`, so a new engine
/// does not compile until every place that must handle it does.
public enum EngineKind: Hashable, Sendable {
    case kmem
    case baseline(BaselineAllocator)
    case floor
    case mmap
}

public enum EngineRegistry {
    public static let all: [EngineInfo] = [
        EngineInfo(name: "kmem", summary: "the model kernel: buddy and per-CPU page lists, slab caches with per-CPU "
                       + "magazines, kmalloc, vmalloc, mempool, per-CPU areas, fault injection, reclaim",
                   parameters: KMemEngine.parameters, kind: .kmem, requestKinds: KMemEngine.requestKinds),
    ] + BaselineAllocator.allCases.map { which in
        EngineInfo(name: which.rawValue, summary: "\(which.libraryName) from \(which.debianPackage), loaded at run time",
                   parameters: baselineParameters(which), kind: .baseline(which), requestKinds: .all)
    } + [
        EngineInfo(name: "floor", summary: "a per-thread array stack per size class: the physical limit",
                   parameters: [], kind: .floor, requestKinds: FloorEngine.requestKinds),
        EngineInfo(name: "mmap", summary: "virtual areas only: one mmap per allocation, one munmap per free",
                   parameters: [], kind: .mmap, requestKinds: MmapEngine.requestKinds),
    ]

    public static func info(_ name: String) throws(SpecError) -> EngineInfo {
        guard let info = all.first(where: { $0.name == name }) else {
            throw SpecError("unknown engine '\(name)' (known: \(all.map(\.name).joined(separator: ", ")))")
        }
        return info
    }

    /// Checks a spec: known name, known keys, valid values. Returns its parameters.
    public static func validate(_ spec: NamedSpec) throws(SpecError) -> ParameterValues {
        let info = try info(spec.name)
        let values = try ParameterValues(spec, schema: info.parameters, what: "engine \(info.name)")
        _ = try environment(for: spec)
        return values
    }

    /// The variables the child process running this engine needs in its environment.
    public static func environment(for spec: NamedSpec) throws(SpecError) -> [String: String] {
        guard let baseline = try info(spec.name).baseline else { return [:] }
        let given = Dictionary(uniqueKeysWithValues: spec.parameters.map { ($0.key, $0.value) })
        do { return try baseline.environment(for: given) } catch { throw SpecError(error.description) }
    }

    /// Builds the engine, in the process that will measure it.
    public static func make(_ spec: NamedSpec) throws -> AnyEngine {
        let values = try validate(spec)
        switch try info(spec.name).kind {
        case .kmem: return .kmem(try KMemEngine(values))
        case .baseline(let which): return .baseline(try BaselineEngine(which))
        case .floor: return .floor(FloorEngine())
        case .mmap: return .mmap(MmapEngine())
        }
    }

    /// jemalloc's percpu_arena settings.
    enum PercpuArena: String, CaseIterable, Sendable { case disabled, percpu, phycpu }

    /// The baselines' tuning keys, validated here but passed to the allocator as written (its
    /// environment), so nothing reads them typed.
    private static func baselineParameters(_ which: BaselineAllocator) -> [ParameterSchema] {
        which.tuningKeys.map { key in
            let help = "\(which) tuning \(key) (unset: the allocator's default)"
            return key == "percpu_arena" ? Parameter<PercpuArena?>.unsetChoice(key, help).schema
                : Parameter.unsetInteger(key, 0...Int(Int32.max), help).schema
        }
    }
}
