/// A CSV that cannot be used, located as precisely as the problem allows: the file, the line
/// (1-based, as an editor counts, so a quoted field spanning lines moves it on), and the
/// column (1-based field number, with its header name when known). Rendered like a
/// compiler diagnostic so editors and CI logs can jump to it.
public struct CSVError: Error, Equatable, CustomStringConvertible {
    public var file: String?
    public var line: Int?
    public var column: Int?
    public var columnName: String?
    public let message: String

    public init(_ message: String, file: String? = nil, line: Int? = nil, column: Int? = nil, columnName: String? = nil) {
        self.message = message
        self.file = file
        self.line = line
        self.column = column
        self.columnName = columnName
    }

    public var description: String {
        var place = file.map { [$0] } ?? []
        if let line { place.append("line \(line)") }
        if let column { place.append("column \(column)" + (columnName.map { " (\($0))" } ?? "")) }
        return place.isEmpty ? message : place.joined(separator: ", ") + ": " + message
    }

    /// The same error, said of `file`.
    func `in`(_ file: String) -> CSVError {
        var located = self
        located.file = file
        return located
    }
}
