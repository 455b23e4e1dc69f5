import Foundation

extension Trace {
    /// Reads a trace file; errors name the file and the record (counted from 1 in file order).
    public init(contentsOf path: String) throws(TraceError) {
        self = try Self.withContents(of: path) { bytes throws(TraceError) in try Trace(decoding: bytes, path: path) }
    }

    /// Checks a trace file's header and the framing and checksums of every block, without
    /// decoding the events: cheap enough to run when a replay's spec is checked.
    public static func validated(_ path: String) throws(TraceError) -> TraceHeader {
        try withContents(of: path) { bytes throws(TraceError) in try walk(bytes, path: path) { _, _ throws(TraceError) in } }
    }

    public init(decoding bytes: UnsafeRawBufferPointer, path: String) throws(TraceError) {
        var cpus: [[TraceEvent]] = []
        let header = try Self.walk(bytes, path: path) { header, block throws(TraceError) in
            cpus.append(try Self.decodeBlock(block, start: header.start, strings: header.strings.count, path: path))
        }
        self.init(source: header.source, hasContext: header.hasContext, strings: header.strings, cpus: cpus)
    }

    static func withContents<T>(of path: String, _ body: (UnsafeRawBufferPointer) throws(TraceError) -> T) throws(TraceError) -> T {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .file(path, "cannot read (\(FileManager.default.fileExists(atPath: path) ? "permission denied" : "no such file"))")
        }
        return try data.withUnsafeBytes { bytes in Result { () throws(TraceError) in try body(bytes) } }.get()
    }

    /// One CPU's block, its framing and checksum checked.
    struct Block {
        let cpu: Int
        let count: Int
        let payload: UnsafeRawBufferPointer
        /// The number of its first record in the file.
        let first: Int
    }

    /// Reads the header, then each CPU's block, checked, handing it to `body`; then checks
    /// the totals.
    static func walk(_ bytes: UnsafeRawBufferPointer, path: String,
                     _ body: (TraceHeader, Block) throws(TraceError) -> Void) throws(TraceError) -> TraceHeader {
        var reader = ByteReader(bytes)
        let header = try TraceHeader(&reader, path: path)
        var record = 0
        for cpu in 0..<header.cpuCount {
            let first = record + 1
            let truncated = TraceError.file(path, record: first, "truncated: CPU \(cpu)'s block is cut short")
            let count: UInt64
            let payload: UnsafeRawBufferPointer
            let checksum: UInt64
            do {
                count = try reader.varint()
                let length = try reader.varint()
                guard length <= UInt64(reader.remaining) else { throw ByteReader.End() }
                payload = try reader.bytes(Int(length))
                checksum = try reader.fixed(UInt64.self)
            } catch { throw truncated }
            guard count <= UInt64(payload.count) / 3 else {
                throw .file(path, record: first, "corrupt: CPU \(cpu)'s block claims \(count) events in \(payload.count) bytes")
            }
            record += Int(count)
            guard FNV1a.hash(payload) == checksum else {
                throw .file(path, record: first, "corrupt: checksum mismatch in CPU \(cpu)'s block (records \(first)...\(record))")
            }
            try body(header, Block(cpu: cpu, count: Int(count), payload: payload, first: first))
        }
        guard record == header.eventCount else {
            throw .file(path, "the header counts \(header.eventCount) events, the blocks hold \(record)")
        }
        guard reader.remaining == 0 else {
            throw .file(path, "\(reader.remaining) bytes after the last CPU's block")
        }
        return header
    }

    /// A checked block's events.
    static func decodeBlock(_ block: Block, start: UInt64, strings: Int, path: String) throws(TraceError) -> [TraceEvent] {
        var events = [TraceEvent]()
        events.reserveCapacity(block.count)
        var reader = ByteReader(block.payload)
        var time = start
        var addresses = (slab: UInt64(0), page: UInt64(0))
        var record = block.first - 1
        for _ in 0..<block.count {
            record += 1
            do {
                events.append(try decodeEvent(&reader, time: &time, addresses: &addresses, strings: strings))
            } catch let problem as DecodeProblem {
                throw .file(path, record: record, "corrupt (CPU \(block.cpu)): \(problem.what)")
            } catch is ByteReader.Overlong {
                throw .file(path, record: record, "corrupt (CPU \(block.cpu)): a number longer than 64 bits")
            } catch {
                throw .file(path, record: record, "truncated: the record is cut short (CPU \(block.cpu))")
            }
        }
        guard reader.remaining == 0 else {
            throw .file(path, record: record, "corrupt: \(reader.remaining) bytes left in CPU \(block.cpu)'s block after its last record")
        }
        return events
    }

    struct DecodeProblem: Error { let what: String }

    static func decodeEvent(_ block: inout ByteReader, time: inout UInt64, addresses: inout (slab: UInt64, page: UInt64),
                            strings: Int) throws -> TraceEvent {
        let kindByte = try block.byte()
        guard let kind = TraceEventKind(rawValue: kindByte) else { throw DecodeProblem(what: "unknown event kind \(kindByte)") }
        let flags = TraceEventFlags(rawValue: try block.byte())
        guard TraceEventFlags.known.isSuperset(of: flags) else { throw DecodeProblem(what: "unknown flag bits \(flags.rawValue)") }
        let (sum, overflow) = time.addingReportingOverflow(try block.varint())
        guard !overflow else { throw DecodeProblem(what: "timestamp overflows") }
        time = sum
        func string() throws -> UInt32 {
            let index = try block.varint()
            guard index < UInt64(strings) else { throw DecodeProblem(what: "string \(index) is not in the \(strings)-entry dictionary") }
            return UInt32(index)
        }
        func small() throws -> UInt32 {
            let value = try block.varint()
            guard value <= UInt64(UInt32.max) else { throw DecodeProblem(what: "a size of \(value) bytes") }
            return UInt32(value)
        }
        func order() throws -> UInt8 {
            let value = try block.byte()
            guard value <= TraceFormat.maxOrder else { throw DecodeProblem(what: "page order \(value)") }
            return value
        }
        func migratetype() throws -> Int8 {
            let value = try block.signed()
            guard let type = Int8(exactly: value) else { throw DecodeProblem(what: "migratetype \(value)") }
            return type
        }
        var event = TraceEvent(timestamp: time, address: 0, kind: kind)
        event.flags = flags
        func address() throws {
            let delta = UInt64(bitPattern: try block.signed())
            if kind.isPageEvent {
                addresses.page &+= delta
                event.address = addresses.page
            } else {
                addresses.slab &+= delta
                event.address = addresses.slab
            }
        }
        switch kind {
        case .kmalloc, .cacheAlloc:
            event.callSite = try string()
            try address()
            if kind == .cacheAlloc { event.name = try string() }
            event.bytesRequested = try small()
            let allocated = Int64(event.bytesRequested) + (try block.signed())
            guard let bytes = UInt32(exactly: allocated) else { throw DecodeProblem(what: "bytes_alloc \(allocated)") }
            event.bytesAllocated = bytes
            event.gfp = try string()
            let node = try block.signed()
            guard let value = Int32(exactly: node) else { throw DecodeProblem(what: "node \(node)") }
            event.node = value
        case .kfree, .cacheFree:
            event.callSite = try string()
            try address()
            if kind == .cacheFree { event.name = try string() }
        case .pageAlloc:
            try address()
            event.order = try order()
            event.migratetype = try migratetype()
            event.gfp = try string()
        case .pageFree:
            try address()
            event.order = try order()
        case .pageFreeBatched:
            try address()
        case .zoneLocked, .pcpuDrain:
            try address()
            event.order = try order()
            event.migratetype = try migratetype()
        }
        return event
    }
}

/// A trace file's header: what it holds, without its events.
public struct TraceHeader: Sendable {
    public var version: UInt16
    public var hasContext: Bool
    public var cpuCount: Int
    public var eventCount: Int
    public var start: UInt64
    public var source: String
    /// Events per kind, indexed by the kind's number.
    public var kindCounts: [Int]
    public var strings: [String]

    public func count(_ kind: TraceEventKind) -> Int { kindCounts[Int(kind.rawValue)] }

    /// The header a trace in memory would be written with.
    public init(_ trace: Trace) {
        version = TraceFormat.version
        hasContext = trace.hasContext
        cpuCount = trace.cpus.count
        eventCount = trace.eventCount
        start = trace.timeSpan.start
        source = trace.source
        kindCounts = trace.kindCounts
        strings = trace.strings
    }

    init(_ reader: inout ByteReader, path: String) throws(TraceError) {
        let headerStart = reader.offset
        func truncated() -> TraceError { .file(path, "truncated: the header is cut short") }
        do {
            guard reader.remaining >= TraceFormat.fixedHeaderSize else {
                throw reader.remaining == 0 ? TraceError.file(path, "empty file, not a trace") : truncated()
            }
            let magic = try reader.bytes(8)
            guard Array(magic) == TraceFormat.magic else {
                throw TraceError.file(path, "not a kmembench trace (no KMEMTRCE magic); to read perf script or ftrace text, run `kmembench trace import \(path) --out T` first")
            }
            version = try reader.fixed(UInt16.self)
            guard version == TraceFormat.version else {
                throw TraceError.file(path, "trace format version \(version); this kmembench reads version \(TraceFormat.version)")
            }
            let flags = try reader.fixed(UInt16.self)
            hasContext = flags & TraceFormat.contextFlag != 0
            let cpus = try reader.fixed(UInt32.self)
            guard cpus <= TraceFormat.maxCPUs else { throw TraceError.file(path, "corrupt header: \(cpus) CPUs") }
            cpuCount = Int(cpus)
            let events = try reader.fixed(UInt64.self)
            guard events < UInt64(Int.max) else { throw TraceError.file(path, "corrupt header: \(events) events") }
            eventCount = Int(events)
            start = try reader.fixed(UInt64.self)
            source = try Self.string(&reader, path: path)
            let kinds = try reader.varint()
            guard kinds == UInt64(TraceEventKind.allCases.count) else {
                throw TraceError.file(path, "corrupt header: \(kinds) event kinds, version 1 has \(TraceEventKind.allCases.count)")
            }
            kindCounts = try (0..<kinds).map { _ in
                let count = try reader.varint()
                // Found by fuzzing: a count past Int.max trapped in the conversion.
                guard count <= events else { throw TraceError.file(path, "corrupt header: \(count) events of one kind of \(events)") }
                return Int(count)
            }
            let count = try reader.varint()
            guard count >= 1, count <= UInt64(reader.remaining) else { throw TraceError.file(path, "corrupt header: \(count) dictionary entries") }
            strings = []
            for _ in 0..<count { strings.append(try Self.string(&reader, path: path)) }
            guard strings[0].isEmpty else { throw TraceError.file(path, "corrupt header: dictionary entry 0 is not empty") }
            let checksum = FNV1a.hash(UnsafeRawBufferPointer(rebasing: reader.base[headerStart..<reader.offset]))
            guard try reader.fixed(UInt64.self) == checksum else { throw TraceError.file(path, "corrupt header: checksum mismatch") }
            let total = kindCounts.reduce((0, false)) { sum, count in
                let next = sum.0.addingReportingOverflow(count)
                return (next.partialValue, sum.1 || next.overflow)
            }
            guard !total.1 && total.0 == eventCount else {
                throw TraceError.file(path, "corrupt header: the kind counts do not add up to \(eventCount) events")
            }
        } catch let error as TraceError {
            throw error
        } catch {
            throw truncated()
        }
    }

    static func string(_ reader: inout ByteReader, path: String) throws -> String {
        let length = try reader.varint()
        guard length <= UInt64(reader.remaining) else { throw ByteReader.End() }
        let bytes = try reader.bytes(Int(length))
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw TraceError.file(path, "corrupt header: a dictionary string is not UTF-8")
        }
        return text
    }
}
