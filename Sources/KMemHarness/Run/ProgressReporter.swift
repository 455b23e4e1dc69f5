import Foundation

/// Progress on standard error: a redrawn bar with ETA on a terminal, one plain line per cell
/// otherwise (logs, CI).
public struct ProgressReporter {
    let started = Date()
    let isTerminal = isatty(STDERR_FILENO) != 0

    public init() {}

    public func report(done: Int, total: Int, record: ResultRecord) {
        let elapsed = Date().timeIntervalSince(started)
        let eta = done > 0 ? elapsed / Double(done) * Double(total - done) : 0
        let cell = "\(record[.engine]) \(record[.workload]) t=\(record[.threads]) rep=\(record[.repetition])"
        let outcome = record.isOK ? "\(ResultsTable.short(record[.nsPerOp])) ns/op" : "\(record[.status]): \(record[.error])"
        if isTerminal {
            let width = 30, filled = width * done / max(total, 1)
            let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
            let line = "[\(bar)] \(done)/\(total) ETA \(Self.clock(eta))  \(cell): \(outcome)"
            FileHandle.standardError.write(Data(("\r\u{1B}[K" + String(line.prefix(160)) + (done == total ? "\n" : "")).utf8))
        } else {
            FileHandle.standardError.write(Data("[\(done)/\(total)] \(cell): \(outcome) (ETA \(Self.clock(eta)))\n".utf8))
        }
    }

    static func clock(_ seconds: Double) -> String {
        let whole = Int(seconds.rounded())
        return whole >= 60 ? "\(whole / 60)m\(String(format: "%02d", whole % 60))s" : "\(whole)s"
    }
}
