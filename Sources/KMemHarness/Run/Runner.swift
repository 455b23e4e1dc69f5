import Foundation
import KMemBaselines

/// Runs a plan cell by cell, each in its own child process, and returns one record per cell
/// in plan order. A failed or timed-out child becomes a `failed` record and the run goes on;
/// a cell the engine cannot serve becomes a `skipped` one. A stop request ends the run early
/// with the rows finished so far.
public struct Runner: Sendable {
    public let plan: RunPlan
    public let launcher: ChildLauncher
    public let metadata: RunMetadata
    /// Time allowed each soak pass beyond its length: the workers' setup (at most
    /// WorkloadContext.setupLimitNs), the warm-up, teardown and the audit.
    static let soakPassSlack: Double = 10

    public init(plan: RunPlan, launcher: ChildLauncher = ChildLauncher(), metadata: RunMetadata = .current()) {
        self.plan = plan
        self.launcher = launcher
        self.metadata = metadata
    }

    /// After each cell: how many of this call's cells are done, of how many, the cell's row,
    /// and every row so far (`previous` included) in plan order.
    public struct Progress {
        public let done: Int
        public let total: Int
        public let record: ResultRecord
        public let records: [ResultRecord]
    }

    /// The rows in plan order, and the signal that stopped the run early, if one did.
    public struct Completed {
        public let records: [ResultRecord]
        public let stoppedBy: Int32?
    }

    /// Runs the plan's cells that `previous` (rows of an earlier, interrupted run of this plan:
    /// RunPlan+Resume.swift) lacks. When `stop` is requested the running child is stopped and
    /// its cell left out, so a resume runs it again.
    public func run(after previous: [ResultRecord] = [], stop: StopRequest? = nil,
                    progress: (Progress) -> Void = { _ in }) -> Completed {
        let finished = Set(previous.compactMap { Int($0[.cellIndex]) })
        let cells = plan.cells.filter { !finished.contains($0.index) }
        var records = previous
        for (done, cell) in cells.enumerated() {
            guard stop?.received == nil, let record = run(cell, stop: stop) else {
                return Completed(records: records, stoppedBy: stop?.received)
            }
            let position = records.firstIndex { Int($0[.cellIndex]) ?? 0 > cell.index } ?? records.endIndex
            records.insert(record, at: position)
            progress(Progress(done: done + 1, total: cells.count, record: record, records: records))
        }
        return Completed(records: records, stoppedBy: nil)
    }

    /// nil when stopped before the cell finished.
    func run(_ cell: RunPlan.Cell, stop: StopRequest? = nil) -> ResultRecord? {
        var options = plan.options
        options.threads = cell.threads
        // Each repetition its own seed (the run's, plus the repetition), recorded in the row: a
        // median over repetitions is then one over inputs, not over one input's timing noise.
        options.seed = plan.options.seed &+ UInt64(cell.repetition)
        return outcome(cell, options, stop).map { ResultRecord(CellInputs(metadata: metadata, plan: plan, cell: cell, options: options), $0) }
    }

    func outcome(_ cell: RunPlan.Cell, _ options: CellOptions, _ stop: StopRequest?) -> CellOutcome? {
        if let reason = plan.skipReason(cell) { return .skipped(reason) }
        do {
            let environment = try EngineRegistry.environment(for: cell.engine)
            let request = CellRequest(engine: cell.engine.description, workload: cell.workload.description, options: options)
            let timeout = (options.rounds == nil ? options.duration : 60) + plan.timeoutSlack
                + Double(options.passCount - 1) * (Self.soakPassSlack + options.warmup)
            return switch launcher.run(request, environment: environment, timeout: timeout, stop: stop) {
            case .success(let result): .ok(result)
            case .failure(let failure): .failed(failure.description)
            case nil: nil
            }
        } catch {
            return .failed("\(error)")
        }
    }
}
