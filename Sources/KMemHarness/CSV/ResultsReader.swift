import Foundation

/// Reads a results CSV back and checks it against the schema: the version, every required
/// column present once and no column the schema does not declare, one field per column on each row, a known status, and numbers where
/// numbers belong (on `ok` rows every measurement column, on all rows the always-filled
/// ones). Every error names the file, the line and the column.
public enum ResultsReader {
    public static func read(_ url: URL) throws(CSVError) -> [ResultRecord] {
        let text: String
        do { text = try String(contentsOf: url, encoding: .utf8) } catch {
            throw CSVError("cannot read: \((error as NSError).localizedDescription)", file: url.path)
        }
        do { return try parse(text) } catch { throw error.in(url.path) }
    }

    public static func parse(_ text: String) throws(CSVError) -> [ResultRecord] {
        let rows = try CSVFile.parse(text)
        guard let header = rows.first?.fields else { throw CSVError("empty file: no header", line: 1) }
        let position = try positions(header)
        guard let versionColumn = position[CSVColumn.schemaVersion.name] else {
            throw CSVError("no schema_version column: not a kmembench results CSV", line: 1)
        }
        // The version first: a file of another version may well lack this version's columns.
        for row in rows.dropFirst() where versionColumn < row.fields.count {
            let version = row.fields[versionColumn]
            guard version == CSVSchema.version else {
                throw CSVError("unknown schema version '\(version)' (this reader knows \(CSVSchema.version))",
                               line: row.line, column: versionColumn + 1, columnName: CSVColumn.schemaVersion.name)
            }
        }
        let missing = CSVSchema.columns.filter { $0.required && position[$0.name] == nil }.map(\.name)
        guard missing.isEmpty else {
            let hint = position[SummaryColumn.nsPerOpMedian.name] != nil ? " (this is a summary file: pass the results CSV beside it)" : ""
            let named = missing.prefix(6).joined(separator: ", ") + (missing.count > 6 ? " and \(missing.count - 6) more" : "")
            throw CSVError("missing columns: \(named)" + hint, line: 1)
        }
        // After the missing ones, so a summary file gets the hint above.
        if let index = header.firstIndex(where: { CSVColumn.byName[$0] == nil }) {
            throw CSVError("unknown column '\(header[index])' (not in schema version \(CSVSchema.version): docs/csv-schema.md)",
                           line: 1, column: index + 1, columnName: header[index])
        }
        return try rows.dropFirst().map { row throws(CSVError) in
            guard row.fields.count == header.count else {
                throw CSVError("\(row.fields.count) fields where the header has \(header.count)",
                               line: row.line, column: min(row.fields.count, header.count) + 1)
            }
            // Optional columns an older file lacks read as empty.
            let record = ResultRecord { column in position[column.name].map { row.fields[$0] } ?? "" }
            try validate(record, line: row.line, position: position)
            return record
        }
    }

    /// Column name -> index; a name twice is an error (which field would count?).
    static func positions(_ header: [String]) throws(CSVError) -> [String: Int] {
        var position: [String: Int] = [:]
        for (index, name) in header.enumerated() {
            guard position[name] == nil else {
                throw CSVError("column '\(name)' appears twice in the header", line: 1, column: index + 1, columnName: name)
            }
            position[name] = index
        }
        return position
    }

    static func validate(_ record: ResultRecord, line: Int, position: [String: Int]) throws(CSVError) {
        guard CSVSchema.statuses.contains(record[.status]) else {
            throw CSVError("unknown status '\(record[.status])' (known: \(CSVSchema.statuses.joined(separator: ", ")))",
                           line: line, column: position[CSVColumn.status.name].map { $0 + 1 }, columnName: CSVColumn.status.name)
        }
        for column in CSVSchema.columns where column.always || record.isOK {
            guard let index = position[column.name] else { continue }
            let value = record[column]
            let expected: String? = switch column.kind {
            case .text: value.isEmpty && column.always && !Self.mayBeEmpty.contains(column) ? "text" : nil
            case .integer: Int(value) == nil && !(value.isEmpty && Self.optional(column)) ? "an integer" : nil
            case .number: Double(value) == nil && !(value.isEmpty && Self.optional(column)) ? "a number" : nil
            }
            if let expected {
                throw CSVError("expected \(expected), found '\(value)'", line: line, column: index + 1, columnName: column.name)
            }
        }
    }

    static func optional(_ column: CSVColumn) -> Bool {
        !column.required || optionalColumns.contains(column)
    }

    /// Always-filled text columns that may still be empty (no parameters, no error).
    static let mayBeEmpty: [CSVColumn] = [.engineParams, .workloadParams, .error]

    /// Measurements some engines cannot give (an allocator without a footprint figure), and
    /// ns/op of a window with no operation.
    static let optionalColumns: [CSVColumn] = [.residentBytesPeak, .ownFootprintBytes, .blowup, .nsPerOp]
}
