import Foundation

extension RunPlan {
    /// The rows of `file`, the CSV an interrupted run of this plan wrote, checked to belong
    /// to it: every row of this plan (plan_id) and shard, at one of its cells, describing
    /// that cell, and no cell twice. A file of another plan is refused, never topped up: its
    /// rows would not be comparable with the new ones.
    public func finishedRows(in file: URL) throws -> [ResultRecord] {
        guard FileManager.default.fileExists(atPath: file.path) else {
            throw SpecError("cannot resume: \(file.path) does not exist")
        }
        let rows = try ResultsReader.read(file)
        let cells = Dictionary(uniqueKeysWithValues: self.cells.map { ($0.index, $0) })
        var seen = Set<Int>()
        for (number, row) in rows.enumerated() {
            let line = "\(file.path), row \(number + 1)"
            guard row[.planID] == identity else {
                throw SpecError("cannot resume: \(line) is from another plan (plan_id '\(row[.planID])', suite '\(row[.suite])') "
                                + "than this command's (plan_id \(identity), suite '\(suite)'): "
                                + "give the options the run was started with")
            }
            guard row[.shard] == shard.description else {
                throw SpecError("cannot resume: \(line) is of shard \(row[.shard]), this command runs shard \(shard)")
            }
            guard let index = Int(row[.cellIndex]), let cell = cells[index] else {
                throw SpecError("cannot resume: \(line) has cell_index '\(row[.cellIndex])', not a cell of this plan")
            }
            guard seen.insert(index).inserted else { throw SpecError("cannot resume: \(line) repeats cell \(index)") }
            let expected = [cell.engine.name, cell.engine.parameterText, cell.workload.name, cell.workload.parameterText,
                            "\(cell.threads)", "\(cell.repetition)"]
            guard [CSVColumn.engine, .engineParams, .workload, .workloadParams, .threads, .repetition].map({ row[$0] }) == expected else {
                throw SpecError("cannot resume: \(line) is not cell \(index) of this plan (\(expected.joined(separator: " ")))")
            }
        }
        return rows.sorted { Int($0[.cellIndex])! < Int($1[.cellIndex])! }
    }
}

extension RunMetadata {
    /// A resumed run keeps its run id and start time, so its file stays one run; the
    /// revision, host and CPUs are this process's (`measure` warns when they differ).
    public static func resuming(_ rows: [ResultRecord]) -> RunMetadata {
        var metadata = RunMetadata.current()
        if let first = rows.first {
            metadata.runID = first[.runID]
            metadata.timestamp = first[.timestamp]
        }
        return metadata
    }
}
