import Foundation

/// The columns of one of kmembench's CSVs. Records are generic over them, so a results row
/// cannot be read with a summary column, nor either with a name nobody declared.
public protocol RecordColumn: Sendable, Equatable {
    var name: String { get }
    /// Every column of the file, in header order.
    static var all: [Self] { get }
    // The cell both files describe, so specs and lookups are written once for both.
    static var engine: Self { get }
    static var engineParams: Self { get }
    static var workload: Self { get }
    static var workloadParams: Self { get }
    static var threads: Self { get }
}

extension RecordColumn {
    /// A column is its name: the schema declares each name once (CSVSchemaTests).
    public static func == (a: Self, b: Self) -> Bool { a.name == b.name }
}

/// One row of a results or summary CSV. It is made by asking every column of its file for
/// its field, so it holds exactly the file's columns; the runner builds these, the writer
/// writes them, the reader gives them back, and the summary and the printed tables are
/// computed from them, so every number printed can be re-derived from the file.
public struct CSVRecord<Column: RecordColumn>: Sendable, Equatable {
    private var fields: [String: String]

    init(_ field: (Column) -> String) {
        fields = Dictionary(uniqueKeysWithValues: Column.all.map { ($0.name, field($0)) })
    }

    public subscript(column: Column) -> String {
        get {
            guard let field = fields[column.name] else { preconditionFailure("'\(column.name)' is not in \(Column.self).all") }
            return field
        }
        set {
            precondition(fields[column.name] != nil, "'\(column.name)' is not in \(Column.self).all")
            fields[column.name] = newValue
        }
    }

    public func number(_ column: Column) -> Double? { Double(self[column]) }

    /// The fields in header order.
    var row: [String] { Column.all.map { self[$0] } }

    /// Numbers as the CSV writes them: up to 4 decimals, no exponent, no trailing zeros.
    static func format(_ value: Double) -> String {
        guard value.isFinite else { return "" }
        var text = String(format: "%.4f", value)
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text
    }
}
