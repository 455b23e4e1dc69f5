import Foundation
import KMemBaselines

/// Runs a plan cell by cell, each in its own child process, and returns one record per cell
/// in plan order. A failed or timed-out child becomes a `failed` record and the run goes on;
/// a cell the engine cannot serve becomes a `skipped` one.
public struct Runner: Sendable {
    public let plan: RunPlan
    public let launcher: ChildLauncher
    public let metadata: RunMetadata

    public init(plan: RunPlan, launcher: ChildLauncher = ChildLauncher(), metadata: RunMetadata = .current()) {
        self.plan = plan
        self.launcher = launcher
        self.metadata = metadata
    }

    /// `progress(done, total, record)` is called after every cell.
    public func run(progress: (Int, Int, ResultRecord) -> Void = { _, _, _ in }) -> [ResultRecord] {
        let cells = plan.cells
        return cells.enumerated().map { index, cell in
            let record = run(cell)
            progress(index + 1, cells.count, record)
            return record
        }
    }

    func run(_ cell: RunPlan.Cell) -> ResultRecord {
        var options = plan.options
        options.threads = cell.threads
        return ResultRecord(CellInputs(metadata: metadata, plan: plan, cell: cell, options: options), outcome(cell, options))
    }

    func outcome(_ cell: RunPlan.Cell, _ options: CellOptions) -> CellOutcome {
        if let reason = plan.skipReason(cell) { return .skipped(reason) }
        do {
            let environment = try EngineRegistry.environment(for: cell.engine)
            let request = CellRequest(engine: cell.engine.description, workload: cell.workload.description, options: options)
            let timeout = (options.rounds == nil ? options.duration : 60) + plan.timeoutSlack
            switch launcher.run(request, environment: environment, timeout: timeout) {
            case .success(let result): return .ok(result)
            case .failure(let failure): return .failed(failure.description)
            }
        } catch {
            return .failed("\(error)")
        }
    }
}
