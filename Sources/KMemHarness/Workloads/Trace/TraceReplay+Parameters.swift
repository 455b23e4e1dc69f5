/// The trace a replay reads: a file (its header and block checksums verified when the spec
/// is checked, so a damaged file is refused before any cell runs, without decoding the events), or, when `file` is not given, the built-in
/// synthetic trace (`TraceSynthesis.builtin`), so the workload runs in suites and tests too.
public struct TraceFileReference: Sendable {
    public let path: String?
    public let header: TraceHeader

    func load() throws(TraceError) -> Trace {
        guard let path else { return TraceSynthesis.builtin }
        return try Trace(contentsOf: path)
    }
}

/// How fast a replay runs: as fast as dependencies allow, or the recorded timing scaled.
public enum ReplaySpeed: Sendable, Equatable {
    case max
    /// Recorded time divided by this factor (1: paced, as recorded).
    case scaled(Double)
}

extension Parameter where Value == TraceFileReference {
    static func traceFile(_ key: String, _ help: String) -> Self {
        Self(key, default: TraceFileReference(path: nil, header: TraceHeader(TraceSynthesis.builtin)), text: nil,
             .text("a non-empty trace file (`kmembench trace info FILE` says what is wrong with one); unset: a built-in synthetic trace"),
             help) { path in
            (try? Trace.validated(path)).flatMap { $0.eventCount > 0 ? TraceFileReference(path: path, header: $0) : nil }
        }
    }
}

extension Parameter where Value == ReplaySpeed {
    static func replaySpeed(_ key: String, _ help: String) -> Self {
        Self(key, default: .max, text: "max", .text("max, paced, or a speed-up factor above 0 (2: twice as fast)"), help) { text in
            switch text {
            case "max": .max
            case "paced": .scaled(1)
            default: Double(text).flatMap { $0 > 0 && $0.isFinite ? .scaled($0) : nil }
            }
        }
    }
}
