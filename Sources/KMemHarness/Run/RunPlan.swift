import KMem

/// A validated run: every engine and workload spec checked, thread counts positive, libraries
/// present. Building one is where every bad input is caught, before anything runs or any
/// file is written.
public struct RunPlan: Sendable {
    public var engines: [NamedSpec]
    public var workloads: [NamedSpec]
    public var threads: [Int]
    public var repetitions: Int
    public var options: CellOptions
    /// The engine ratios are taken against (one of `engines`).
    public var reference: NamedSpec
    /// Seconds a child may take beyond the cell's duration before it is killed.
    public var timeoutSlack: Double = 30
    /// The longest cell: the child's deadline, duration + slack, must be a representable instant.
    public static let maximumDuration: Double = 86_400
    /// The preset the plan came from (`quick`, `standard`, `full`), `tune`, or `custom`.
    public var suite = "custom"
    /// The part of the plan this process runs (Shard.swift).
    public var shard = Shard.whole

    public struct Cell: Sendable {
        public var engine: NamedSpec
        public var workload: NamedSpec
        public var threads: Int
        public var repetition: Int
        /// Position in the whole plan's cells, whatever shard runs it: merging sorts on it.
        public var index: Int
    }

    public init(engines: [String], workloads: [String], threads: [Int], repetitions: Int,
                options: CellOptions, reference: String? = nil) throws(SpecError) {
        guard !engines.isEmpty else { throw SpecError("no engines given") }
        guard !workloads.isEmpty else { throw SpecError("no workloads given") }
        guard !threads.isEmpty else { throw SpecError("no thread counts given") }
        if let bad = threads.first(where: { $0 < 1 || $0 > 1024 }) {
            throw SpecError("thread count must be between 1 and 1024, got \(bad)")
        }
        guard repetitions >= 1 else { throw SpecError("repetitions must be at least 1, got \(repetitions)") }
        guard options.duration > 0 else { throw SpecError("duration must be positive") }
        guard options.duration <= Self.maximumDuration else {
            throw SpecError("duration must be at most \(Int(Self.maximumDuration)) s (a day), got \(options.duration) s")
        }
        self.engines = try engines.map { text throws(SpecError) in try Self.checkedEngine(text) }
        let instances = try workloads.map { text throws(SpecError) in
            let spec = try NamedSpec(parsing: text, what: "workload")
            return (spec, try WorkloadRegistry.instantiate(spec))
        }
        self.workloads = instances.map(\.0)
        try Self.checkSameWork(self.engines, instances)
        self.threads = threads
        self.repetitions = repetitions
        self.options = options
        let referenceSpec = try reference.map { text throws(SpecError) in try NamedSpec(parsing: text, what: "engine") }
        guard let chosen = referenceSpec ?? self.engines.first, self.engines.contains(chosen) else {
            throw SpecError("reference engine '\(reference ?? "")' is not one of the engines run "
                            + "(\(self.engines.map(\.description).joined(separator: ", ")))")
        }
        self.reference = chosen
    }

    /// Refuses a workload asking for objects larger than an engine of the run serves: that
    /// engine's cells would fail where the others' succeed, and no row would compare.
    static func checkSameWork(_ engines: [NamedSpec], _ workloads: [(NamedSpec, WorkloadInstance)]) throws(SpecError) {
        for engine in engines {
            let info = try EngineRegistry.info(engine.name)
            guard let limit = info.largestObject else { continue }
            for (spec, instance) in workloads where !instance.requestKinds.isDisjoint(with: [.objects, .caches, .pools]) {
                guard let largest = instance.largestObject, largest > limit else { continue }
                throw SpecError("workload '\(spec)' asks for \(largest)-byte objects, and \(engine.name) serves at most "
                                + "\(limit) bytes, so the engines would not do the same work: use a smaller size, "
                                + "or leave \(engine.name) out")
            }
        }
    }

    static func checkedEngine(_ text: String) throws(SpecError) -> NamedSpec {
        let spec = try NamedSpec(parsing: text, what: "engine")
        _ = try EngineRegistry.validate(spec)
        if let reason = try EngineRegistry.info(spec.name).unavailableReason { throw SpecError(reason) }
        return spec
    }

    /// This shard's cells, repetitions outermost so that a repetition's cells are spread over
    /// the run (drift in the machine's state then spreads over every engine alike).
    public var cells: [Cell] {
        var cells: [Cell] = [], index = 0
        for repetition in 0..<repetitions {
            for (workloadIndex, workload) in workloads.enumerated() {
                for (threadIndex, count) in threads.enumerated() {
                    let inShard = shard.contains(group: workloadIndex * threads.count + threadIndex)
                    for engine in engines {
                        if inShard {
                            cells.append(Cell(engine: engine, workload: workload, threads: count, repetition: repetition, index: index))
                        }
                        index += 1
                    }
                }
            }
        }
        return cells
    }

    /// Why a cell cannot run (reported as a skipped row), or nil.
    public func skipReason(_ cell: Cell) -> String? {
        guard let workload = try? WorkloadRegistry.instantiate(cell.workload),
              let engine = try? EngineRegistry.info(cell.engine.name) else { return "invalid cell" }
        return workload.incompatibility(engineKinds: engine.requestKinds, engine: cell.engine.name, threads: cell.threads)
    }
}
