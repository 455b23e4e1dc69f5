import Glibc

/// Reads `perf script` or ftrace text (tracefs `trace`, `trace-cmd report`) into a `Trace`.
/// The file is read in large chunks and each line parsed in place (`TraceTextLine`), so the
/// cost per event is a scan of its bytes and a few dictionary probes.
public struct TraceTextImporter {
    public struct Options: Sendable {
        /// Skip events of other tracepoints instead of stopping at the first.
        public var skipUnknownEvents = false
        public init(skipUnknownEvents: Bool = false) { self.skipUnknownEvents = skipUnknownEvents }
    }

    /// What an import found besides the events.
    public struct Outcome: Sendable {
        public var trace: Trace
        public var lines: Int
        /// Events the kernel dropped (ftrace's LOST notices).
        public var lostEvents: Int
        /// Events of other tracepoints that were skipped.
        public var skippedEvents: Int
        /// CPUs whose events were not in time order (sorted on import).
        public var resortedCPUs: Int
    }

    let options: Options
    public init(_ options: Options = Options()) { self.options = options }

    static let chunkSize = 8 << 20

    /// Imports `path`; `progress(bytesRead, totalBytes, events)` is called after each chunk.
    public func importFile(_ path: String, progress: ((Int, Int, Int) -> Void)? = nil) throws(TraceError) -> Outcome {
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { throw .file(path, "cannot open: \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        var status = stat()
        let total = fstat(descriptor, &status) == 0 ? Int(status.st_size) : 0
        var state = State(path: path, options: options)
        let buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: Self.chunkSize)
        defer { buffer.deallocate() }
        var held = 0
        var read = 0
        while true {
            let got = Glibc.read(descriptor, buffer + held, Self.chunkSize - held)
            guard got >= 0 else { throw .file(path, "read failed: \(String(cString: strerror(errno)))") }
            read += got
            let filled = held + got
            let atEnd = got == 0
            if read == got && filled >= TraceFormat.magic.count && memcmp(buffer, TraceFormat.magic, TraceFormat.magic.count) == 0 {
                throw .file(path, "already a kmembench trace file, not text (`kmembench trace info \(path)` describes it)")
            }
            var lineStart = UnsafePointer(buffer)
            let end = UnsafePointer(buffer) + filled
            while let newline = memchr(lineStart, 0x0a, end - lineStart)?.assumingMemoryBound(to: UInt8.self) {
                try state.line(lineStart, UnsafePointer(newline))
                lineStart = UnsafePointer(newline) + 1
            }
            if atEnd {
                if lineStart < end { try state.line(lineStart, end) }
                break
            }
            held = end - lineStart
            guard held < Self.chunkSize else { throw .line(path, state.lineNumber + 1, "a line longer than \(Self.chunkSize >> 20) MB") }
            memmove(buffer, lineStart, held)
            progress?(read, total, state.events)
        }
        progress?(read, total, state.events)
        return try state.finish()
    }

    /// The import in progress: per-CPU event arrays and the line parser's dictionary.
    struct State {
        let path: String
        let options: Options
        var parser = TraceTextLine()
        var cpus: [[TraceEvent]] = []
        var lineNumber = 0
        var events = 0
        var lost = 0
        var skipped = 0

        init(path: String, options: Options) {
            self.path = path
            self.options = options
        }

        mutating func line(_ start: UnsafePointer<UInt8>, _ end: UnsafePointer<UInt8>) throws(TraceError) {
            lineNumber += 1
            var end = end
            if end > start && (end - 1).pointee == 0x0d { end -= 1 }
            let outcome: TraceTextLine.Outcome
            do { outcome = try parser.parse(start, end) } catch { throw .line(path, lineNumber, error.message) }
            switch outcome {
            case .event(let cpu, let event):
                while cpus.count <= cpu { cpus.append([]) }
                cpus[cpu].append(event)
                events += 1
            case .skip: break
            case .lost(let count): lost += count
            case .otherEvent(let name):
                guard options.skipUnknownEvents else {
                    throw .line(path, lineNumber, "unknown event '\(name)' (kmem events only: "
                                + TraceEventKind.allCases.map(\.eventName).joined(separator: ", ")
                                + "; --skip-unknown skips the others)")
                }
                skipped += 1
            }
        }

        mutating func finish() throws(TraceError) -> Outcome {
            guard events > 0 else { throw .file(path, "no kmem events in \(lineNumber) lines: an empty trace") }
            var resorted = 0
            for index in cpus.indices where !cpus[index].isSorted(by: { $0.timestamp <= $1.timestamp }) {
                // perf merges the CPUs' buffers by time; a CPU out of order is kept in its
                // recorded order among equal timestamps (a stable sort).
                cpus[index] = cpus[index].enumerated().sorted {
                    ($0.element.timestamp, $0.offset) < ($1.element.timestamp, $1.offset)
                }.map(\.element)
                resorted += 1
            }
            let source = parser.sawLatency ? "ftrace text" : parser.sawPerfSpelling ? "perf script" : "trace-cmd report"
            let trace = Trace(source: source, hasContext: parser.sawLatency, strings: parser.strings.strings, cpus: cpus)
            return Outcome(trace: trace, lines: lineNumber, lostEvents: lost, skippedEvents: skipped, resortedCPUs: resorted)
        }
    }
}

extension Array {
    fileprivate func isSorted(by ordered: (Element, Element) -> Bool) -> Bool {
        zip(self, dropFirst()).allSatisfy { ordered($0, $1) }
    }
}
