import Foundation

/// Joins the CSVs of a sharded run (`run --shard I/N` on each machine) into the CSV the whole
/// run would have written: the same cells in the same order. Refuses files of different
/// schema versions or plans (a plan names the suite and every option: RunPlan+Identity),
/// the same shard twice, a missing shard, or one cell twice; each error names the file.
public enum ShardMerge {
    public struct Part {
        public let file: String
        public let records: [ResultRecord]
        public init(file: String, records: [ResultRecord]) {
            self.file = file
            self.records = records
        }
    }

    public static func merge(_ parts: [Part]) throws(SpecError) -> [ResultRecord] {
        guard let first = parts.first else { throw SpecError("nothing to merge: no files given") }
        var shards: [Int: String] = [:]
        var count: Int?
        for part in parts {
            let plan = try single(.planID, of: part)
            guard !plan.isEmpty else {
                throw SpecError("\(part.file): rows carry no plan_id (written before sharding), so its suite cannot be checked")
            }
            for column in [CSVColumn.schemaVersion, .planID] {
                let expected = try single(column, of: first)
                guard try single(column, of: part) == expected else {
                    throw SpecError("\(part.file): \(column.name) '\(try single(column, of: part))' (suite '\(part.records[0][.suite])') "
                                    + "differs from \(first.file)'s '\(expected)' (suite '\(first.records[0][.suite])'): not parts of one run")
                }
            }
            let shard = try Shard(parsing: try single(.shard, of: part))
            guard count == nil || count == shard.count else {
                throw SpecError("\(part.file) is shard \(shard), but \(first.file) is of \(count!) shards")
            }
            count = shard.count
            if let other = shards[shard.index] { throw SpecError("\(part.file) and \(other) are both shard \(shard)") }
            shards[shard.index] = part.file
        }
        let missing = (1...count!).filter { shards[$0] == nil }
        guard missing.isEmpty else {
            throw SpecError("shards missing: \(missing.map { "\($0)/\(count!)" }.joined(separator: ", "))")
        }
        var seen: [Int: String] = [:]
        var merged: [(index: Int, record: ResultRecord)] = []
        for part in parts {
            for record in part.records {
                guard let index = Int(record[.cellIndex]) else { throw SpecError("\(part.file): a row has no cell_index") }
                if let other = seen[index] { throw SpecError("cell \(index) is in both \(other) and \(part.file)") }
                seen[index] = part.file
                merged.append((index, record))
            }
        }
        return merged.sorted { $0.index < $1.index }.map(\.record)
    }

    /// The one value `column` has on every row of a part.
    static func single(_ column: CSVColumn, of part: Part) throws(SpecError) -> String {
        let values = Set(part.records.map { $0[column] })
        guard values.count <= 1 else {
            throw SpecError("\(part.file): rows of several \(column.name)s (\(values.sorted().joined(separator: ", "))): merge its parts, not a merged file")
        }
        guard let value = values.first else { throw SpecError("\(part.file): no rows") }
        return value
    }
}
