/// What went wrong reading, importing or recording a trace; each message names the file and
/// the record (binary traces) or the line (text imports) where it happened.
public struct TraceError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }

    /// A binary trace that cannot be read: `record` counts events from 1 over the whole file.
    static func file(_ path: String, record: Int? = nil, _ problem: String) -> TraceError {
        TraceError("\(path): " + (record.map { "record \($0): " } ?? "") + problem)
    }

    /// A text trace line that cannot be imported (lines count from 1).
    static func line(_ path: String, _ line: Int, _ problem: String) -> TraceError {
        TraceError("\(path):\(line): \(problem)")
    }
}
