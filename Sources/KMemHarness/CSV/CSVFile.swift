import Foundation

/// Reading and rendering RFC 4180 CSV: a header line, then records; a field with a comma, a
/// quote or a line break is quoted, with quotes doubled.
public enum CSVFile {
    /// One record and the line it starts on (quoted fields may span lines).
    public struct Row: Equatable, Sendable {
        public let line: Int
        public let fields: [String]
    }

    /// The header is the records' columns, in their file's order.
    public static func render<Column>(_ records: [CSVRecord<Column>]) -> String {
        ([Column.all.map(\.name)] + records.map(\.row))
            .map { $0.map(quote).joined(separator: ",") }.joined(separator: "\n") + "\n"
    }

    /// Every record with its line; errors say the line and the field they are in.
    public static func parse(_ text: String) throws(CSVError) -> [Row] {
        var rows: [Row] = [], fields: [String] = [], field = ""
        var line = 1, rowLine = 1, quoteLine = 1
        var quoted = false, afterQuote = false
        for character in text {
            if quoted {
                if character == "\"" { quoted = false; afterQuote = true } else { field.append(character) }
                if character == "\n" || character == "\r\n" { line += 1 }
                continue
            }
            switch character {
            case "\"" where afterQuote: field.append("\""); quoted = true; afterQuote = false
            case "\"" where field.isEmpty: quoted = true; quoteLine = line
            case ",": fields.append(field); field = ""; afterQuote = false
            case "\n", "\r\n":
                fields.append(field)
                rows.append(Row(line: rowLine, fields: fields))
                fields = []; field = ""; afterQuote = false
                line += 1; rowLine = line
            default:
                guard !afterQuote else {
                    throw CSVError("text after a closing quote (a quote inside a quoted field is written \"\")",
                                   line: line, column: fields.count + 1)
                }
                if character == "\"" {
                    throw CSVError("a quote inside an unquoted field (quote the field and double the quote)",
                                   line: line, column: fields.count + 1)
                }
                field.append(character)
            }
        }
        guard !quoted else {
            throw CSVError("quoted field never closed before the end of the file", line: quoteLine, column: fields.count + 1)
        }
        if !field.isEmpty || !fields.isEmpty { fields.append(field); rows.append(Row(line: rowLine, fields: fields)) }
        return rows
    }

    static func quote(_ field: String) -> String {
        guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
