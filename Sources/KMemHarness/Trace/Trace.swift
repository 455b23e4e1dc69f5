/// A kmem trace in memory: each traced CPU's events in time order, and the dictionary of
/// strings (cache names, call sites, GFP flag texts) they refer to. Read and written in the
/// format of docs/trace-format.md (`Trace+Encoding.swift`, `Trace+Decoding.swift`).
public struct Trace: Sendable, Equatable {
    /// Where the events came from ("perf script", "ftrace", "tracefs on <host> <kernel>").
    public var source: String
    /// Whether the source carried the context flags (ftrace's latency field): without them
    /// every event reads as process context.
    public var hasContext: Bool
    /// Index 0 is the empty string (absent).
    public var strings: [String]
    /// Events per CPU, indexed by CPU number, each in time order.
    public var cpus: [[TraceEvent]]

    public init(source: String, hasContext: Bool, strings: [String] = [""], cpus: [[TraceEvent]] = []) {
        precondition(strings.first == "", "dictionary entry 0 is the empty string")
        self.source = source
        self.hasContext = hasContext
        self.strings = strings
        self.cpus = cpus
    }

    public var eventCount: Int { cpus.reduce(0) { $0 + $1.count } }

    public func string(_ index: UInt32) -> String { strings[Int(index)] }

    /// Events per kind, indexed by the kind's number.
    public var kindCounts: [Int] {
        var counts = [Int](repeating: 0, count: TraceEventKind.allCases.count)
        for events in cpus { for event in events { counts[Int(event.kind.rawValue)] += 1 } }
        return counts
    }

    /// First and last timestamp over all CPUs (0, 0 when empty).
    public var timeSpan: (start: UInt64, end: UInt64) {
        let firsts = cpus.compactMap(\.first?.timestamp)
        let lasts = cpus.compactMap(\.last?.timestamp)
        return (firsts.min() ?? 0, lasts.max() ?? 0)
    }
}
