import Foundation

/// Reading and writing RFC 4180 CSV: a header line, then records; a field with a comma, a
/// quote or a line break is quoted, with quotes doubled. Files are written whole: to a
/// temporary file in the same directory, flushed, then renamed over the target.
public enum CSVFile {
    public static func render(columns: [String], records: [ResultRecord]) -> String {
        ([columns] + records.map { record in columns.map { record[$0] } })
            .map { $0.map(quote).joined(separator: ",") }.joined(separator: "\n") + "\n"
    }

    public static func write(_ text: String, to url: URL) throws {
        let temporary = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())")
        guard FileManager.default.createFile(atPath: temporary.path, contents: Data(text.utf8)) else {
            throw CSVError("cannot write \(temporary.path)")
        }
        let handle = try FileHandle(forWritingTo: temporary)
        try handle.synchronize()
        try handle.close()
        guard rename(temporary.path, url.path) == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: temporary)
            throw CSVError("cannot rename into \(url.path): \(reason)")
        }
    }

    /// Every line's fields (quoted fields may span lines).
    public static func parse(_ text: String) throws(CSVError) -> [[String]] {
        var rows: [[String]] = [], row: [String] = [], field = ""
        var quoted = false, afterQuote = false
        for character in text {
            if quoted {
                if character == "\"" { quoted = false; afterQuote = true } else { field.append(character) }
                continue
            }
            switch character {
            case "\"" where afterQuote: field.append("\""); quoted = true; afterQuote = false
            case "\"" where field.isEmpty: quoted = true
            case ",": row.append(field); field = ""; afterQuote = false
            case "\n", "\r\n": row.append(field); rows.append(row); row = []; field = ""; afterQuote = false
            default:
                guard !afterQuote else { throw CSVError("text after a closing quote in line \(rows.count + 1)") }
                field.append(character)
            }
        }
        guard !quoted else { throw CSVError("unterminated quoted field at the end") }
        if !field.isEmpty || !row.isEmpty { row.append(field); rows.append(row) }
        return rows
    }

    static func quote(_ field: String) -> String {
        guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}

public struct CSVError: Error, Equatable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
