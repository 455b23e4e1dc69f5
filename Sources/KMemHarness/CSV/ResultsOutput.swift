import Foundation

/// Where a run's CSVs go: FILE.csv and FILE.summary.csv beside it, both written whole.
public struct ResultsOutput: Sendable {
    public let results: URL
    public var summary: URL {
        results.deletingPathExtension().appendingPathExtension("summary.csv")
    }

    /// Checks up front that the files can be written (the directory exists and is writable,
    /// and the path is not a directory), so a bad path fails before any cell runs.
    public init(path: String) throws(SpecError) {
        let url = URL(fileURLWithPath: path)
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw SpecError("output path '\(path)' is a directory")
        }
        let directory = url.deletingLastPathComponent().path
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw SpecError("cannot write '\(path)': directory '\(directory)' does not exist")
        }
        guard access(directory, W_OK) == 0 else { throw SpecError("cannot write '\(path)': directory '\(directory)' is not writable") }
        results = url
    }

    public func write(records: [ResultRecord], summary: [SummaryRecord]) throws {
        try write(records: records)
        try WholeFile.write(CSVFile.render(summary), to: self.summary)
    }

    /// The results alone: a run rewrites them after every cell.
    public func write(records: [ResultRecord]) throws {
        try WholeFile.write(CSVFile.render(records), to: results)
    }
}
