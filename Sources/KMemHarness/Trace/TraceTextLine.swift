/// One line of kmem trace text, parsed in place over its bytes. Three spellings are read:
///
///     perf script:       comm  pid [001]  1143.829185:  kmem:kmalloc: call_site=... ptr=0xffff...
///     tracefs `trace`:   comm-pid  [001] d.h1.  1143.829185: kmalloc: call_site=... ptr=00000000...
///     trace-cmd report:  comm-pid  [001]  1143.829185: kmalloc: call_site=...  (d.h1 with -l)
///
/// The latency column (irqs-off, need-resched, hardirq/softirq, preempt depth, migrate) gives
/// the context flags where it is printed.
struct TraceTextLine {
    enum Outcome {
        case event(cpu: Int, TraceEvent)
        /// A comment, header or blank line.
        case skip
        /// ftrace's `CPU:N [LOST M EVENTS]`.
        case lost(Int)
        /// An event of another tracepoint (the name).
        case otherEvent(String)
    }

    struct Problem: Error { let message: String }

    /// Whether the line had a latency column (so the trace carries context flags).
    var sawLatency = false
    var sawPerfSpelling = false
    var strings = StringInterner()
    // Held here, not read from static lets: a static costs a swift_once per access.
    private let fields = Field.table
    private let kinds = TraceTextLine.spellings

    typealias Bytes = UnsafePointer<UInt8>

    mutating func parse(_ start: Bytes, _ end: Bytes) throws(Problem) -> Outcome {
        var p = start
        skipSpaces(&p, end)
        guard p < end, p.pointee != UInt8(ascii: "#") else { return .skip }
        guard let (cpu, afterCPU) = findCPU(p, end) else { return try nonEvent(p, end) }
        p = afterCPU
        skipSpaces(&p, end)
        var flags: TraceEventFlags = []
        if let latencyEnd = latencyColumn(p, end) {
            flags = Self.contextFlags(p, latencyEnd)
            sawLatency = true
            p = latencyEnd
            skipSpaces(&p, end)
        }
        let timestamp = try parseTimestamp(&p, end)
        skipSpaces(&p, end)
        let nameStart = p
        while p < end && p.pointee != UInt8(ascii: " ") { p += 1 }
        var nameEnd = p
        guard nameEnd > nameStart, (nameEnd - 1).pointee == UInt8(ascii: ":") else {
            throw Problem(message: "no event name after the timestamp")
        }
        nameEnd -= 1
        var name = nameStart
        if let colon = UnsafeBufferPointer(start: nameStart, count: nameEnd - nameStart).firstIndex(of: UInt8(ascii: ":")) {
            sawPerfSpelling = true
            name = nameStart + colon + 1
        }
        guard let kind = kinds.lookup(name, nameEnd) else {
            return .otherEvent(String(decoding: UnsafeBufferPointer(start: nameStart, count: nameEnd - nameStart), as: UTF8.self))
        }
        var event = TraceEvent(timestamp: timestamp, address: 0, kind: kind)
        event.flags = flags
        try parseFields(&event, p, end)
        return .event(cpu: cpu, event)
    }

    // MARK: the columns before the event

    /// `[ddd]`: the CPU, the first bracketed number on the line (a comm may hold brackets, but
    /// not a bracketed number followed by a timestamp).
    private func findCPU(_ start: Bytes, _ end: Bytes) -> (Int, Bytes)? {
        var p = start
        while p < end {
            if p.pointee == UInt8(ascii: "[") {
                var q = p + 1
                var cpu = 0
                // Capped: a bracketed run of digits past any CPU number (found by fuzzing) overflowed.
                while q < end, let digit = Self.digit(q.pointee) { cpu = min(cpu * 10 + digit, TraceFormat.maxCPUs); q += 1 }
                if q > p + 1, q < end, q.pointee == UInt8(ascii: "]"), cpu < TraceFormat.maxCPUs { return (cpu, q + 1) }
            }
            p += 1
        }
        return nil
    }

    /// Lines without a CPU column: headers (trace-cmd's `cpus=2`, `version = 6`, `CPU 1 is
    /// empty`) are skipped, lost-event notices counted, anything else is an error.
    private func nonEvent(_ start: Bytes, _ end: Bytes) throws(Problem) -> Outcome {
        let text = String(decoding: UnsafeBufferPointer(start: start, count: end - start), as: UTF8.self)
        if text.hasPrefix("cpus=") || text.hasPrefix("version") || (text.hasPrefix("CPU ") && text.hasSuffix("is empty")) {
            return .skip
        }
        if text.hasPrefix("CPU:"), let range = text.range(of: "[LOST "),
           let lost = Int(text[range.upperBound...].prefix(while: \.isNumber)) {
            return .lost(lost)
        }
        throw Problem(message: "not an event line (expected `comm pid [cpu] timestamp: event: fields`)")
    }

    /// The latency column: 4 or 5 characters of `.dDbXNnpLBhHsSzZ0-9` before the timestamp.
    private func latencyColumn(_ start: Bytes, _ end: Bytes) -> Bytes? {
        var p = start
        while p < end && p.pointee != UInt8(ascii: " ") { p += 1 }
        let length = p - start
        guard length == 4 || length == 5, (p - 1).pointee != UInt8(ascii: ":") else { return nil }
        for q in start..<p where !Self.isLatencyCharacter(q.pointee) { return nil }
        return p
    }

    /// The characters of the latency column: `.dDbXNnpLBhHsSzZ` and digits.
    @inline(__always) static func isLatencyCharacter(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "."), UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "d"), UInt8(ascii: "D"),
             UInt8(ascii: "b"), UInt8(ascii: "X"), UInt8(ascii: "N"), UInt8(ascii: "n"), UInt8(ascii: "p"),
             UInt8(ascii: "L"), UInt8(ascii: "B"), UInt8(ascii: "h"), UInt8(ascii: "H"), UInt8(ascii: "s"),
             UInt8(ascii: "S"), UInt8(ascii: "z"), UInt8(ascii: "Z"): true
        default: false
        }
    }

    /// Column 1 is irqs-off (`d`, or `D` with bottom halves off too), column 3 the context:
    /// `h` hardirq, `H` hardirq inside a softirq, `s` softirq, `z`/`Z` NMI.
    static func contextFlags(_ start: Bytes, _ end: Bytes) -> TraceEventFlags {
        var flags: TraceEventFlags = []
        if start.pointee == UInt8(ascii: "d") || start.pointee == UInt8(ascii: "D") { flags.insert(.irqsOff) }
        guard end - start >= 3 else { return flags }
        switch start[2] {
        case UInt8(ascii: "h"), UInt8(ascii: "H"): flags.insert(.hardirq)
        case UInt8(ascii: "s"): flags.insert(.softirq)
        case UInt8(ascii: "z"), UInt8(ascii: "Z"): flags.insert(.nmi)
        default: break
        }
        return flags
    }

    /// `seconds.fraction:` as nanoseconds (perf and ftrace print microseconds; `--ns` nanoseconds).
    private func parseTimestamp(_ p: inout Bytes, _ end: Bytes) throws(Problem) -> UInt64 {
        var seconds: UInt64 = 0
        let start = p
        while p < end, let digit = Self.digit(p.pointee) { seconds = seconds &* 10 &+ UInt64(digit); p += 1 }
        guard p > start, p < end, p.pointee == UInt8(ascii: ".") else { throw Problem(message: "no timestamp after the CPU column") }
        p += 1
        var fraction: UInt64 = 0
        var digits = 0
        while p < end, let digit = Self.digit(p.pointee) {
            if digits < 9 { fraction = fraction * 10 + UInt64(digit) }
            digits += 1
            p += 1
        }
        guard digits > 0, p < end, p.pointee == UInt8(ascii: ":") else { throw Problem(message: "malformed timestamp") }
        p += 1
        for _ in min(digits, 9)..<9 { fraction *= 10 }
        return seconds &* 1_000_000_000 &+ fraction
    }

    static let spellings = ByteKeyTable(TraceEventKind.allCases.map { ($0.eventName, $0) }
                                        + [("kmalloc_node", .kmalloc), ("kmem_cache_alloc_node", .cacheAlloc)])

    // MARK: the fields

    private mutating func parseFields(_ event: inout TraceEvent, _ start: Bytes, _ end: Bytes) throws(Problem) {
        var seen: UInt16 = 0
        var p = start
        while true {
            skipSpaces(&p, end)
            guard p < end else { break }
            let keyStart = p
            while p < end && p.pointee != UInt8(ascii: "=") && p.pointee != UInt8(ascii: " ") { p += 1 }
            guard p < end, p.pointee == UInt8(ascii: "=") else {
                throw Problem(message: "malformed field '\(Self.text(keyStart, p))': expected key=value")
            }
            let keyEnd = p
            p += 1
            let valueStart = p
            while p < end && p.pointee != UInt8(ascii: " ") { p += 1 }
            guard let field = fields.lookup(keyStart, keyEnd) else { continue }
            try field.apply(to: &event, valueStart, p, &strings)
            seen |= 1 << field.rawValue
        }
        let missing = Field.required(event.kind).filter { seen & (1 << $0.rawValue) == 0 }
        guard missing.isEmpty else {
            throw Problem(message: "\(event.kind.eventName) without \(missing.map(\.key).joined(separator: ", "))")
        }
    }

    @inline(__always) private func skipSpaces(_ p: inout Bytes, _ end: Bytes) {
        while p < end && (p.pointee == UInt8(ascii: " ") || p.pointee == UInt8(ascii: "\t")) { p += 1 }
    }

    @inline(__always) static func digit(_ byte: UInt8) -> Int? {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") ? Int(byte - UInt8(ascii: "0")) : nil
    }

    static func text(_ start: Bytes, _ end: Bytes) -> String {
        String(decoding: UnsafeBufferPointer(start: start, count: end - start), as: UTF8.self)
    }
}
