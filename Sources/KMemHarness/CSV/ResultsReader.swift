import Foundation

/// Reads a results CSV back and checks it against the schema: the version, every column
/// present, one field per column on each row, a known status, and numbers where numbers
/// belong (on `ok` rows every measurement column, on all rows the always-filled ones).
public enum ResultsReader {
    public static func read(_ url: URL) throws -> [ResultRecord] {
        try parse(String(contentsOf: url, encoding: .utf8))
    }

    public static func parse(_ text: String) throws(CSVError) -> [ResultRecord] {
        let rows = try CSVFile.parse(text)
        guard let header = rows.first else { throw CSVError("empty file: no header") }
        let missing = CSVSchema.columnNames.filter { !header.contains($0) }
        guard missing.isEmpty else { throw CSVError("missing columns: \(missing.joined(separator: ", "))") }
        return try rows.dropFirst().enumerated().map { index, fields throws(CSVError) in
            let line = index + 2
            guard fields.count == header.count else {
                throw CSVError("line \(line) has \(fields.count) fields, the header \(header.count)")
            }
            let record = ResultRecord(fields: Dictionary(zip(header, fields)) { first, _ in first })
            try validate(record, line: line)
            return record
        }
    }

    static func validate(_ record: ResultRecord, line: Int) throws(CSVError) {
        guard record["schema_version"] == CSVSchema.version else {
            throw CSVError("line \(line): schema_version '\(record["schema_version"])', this reader knows \(CSVSchema.version)")
        }
        guard CSVSchema.statuses.contains(record["status"]) else {
            throw CSVError("line \(line): unknown status '\(record["status"])'")
        }
        for column in CSVSchema.columns where column.always || record.isOK {
            let value = record[column.name]
            let valid: Bool = switch column.kind {
            case .text: !value.isEmpty || !column.always || ["engine_params", "workload_params", "error"].contains(column.name)
            case .integer: Int(value) != nil || (value.isEmpty && Self.optionalColumns.contains(column.name))
            case .number: Double(value) != nil || (value.isEmpty && Self.optionalColumns.contains(column.name))
            }
            guard valid else { throw CSVError("line \(line): column \(column.name) has '\(value)'") }
        }
    }

    /// Measurements some engines cannot give (an allocator without a footprint figure).
    static let optionalColumns: Set<String> = ["footprint_bytes_peak", "blowup"]
}
