/// The fields of the kmem events that the trace keeps, by their printed key; other keys
/// (`page=`, anything a later kernel adds) are skipped.
enum Field: UInt8, CaseIterable, Sendable {
    case callSite, ptr, bytesReq, bytesAlloc, gfpFlags, node, accounted, name, pfn, order, migratetype, percpuRefill

    var key: String {
        switch self {
        case .callSite: "call_site"
        case .ptr: "ptr"
        case .bytesReq: "bytes_req"
        case .bytesAlloc: "bytes_alloc"
        case .gfpFlags: "gfp_flags"
        case .node: "node"
        case .accounted: "accounted"
        case .name: "name"
        case .pfn: "pfn"
        case .order: "order"
        case .migratetype: "migratetype"
        case .percpuRefill: "percpu_refill"
        }
    }

    static let table = ByteKeyTable(allCases.map { ($0.key, $0) })

    /// What an event must carry. `name` (kmem_cache_*), `node`, `accounted` and `migratetype`
    /// are optional: older kernels did not print them.
    static func required(_ kind: TraceEventKind) -> [Field] {
        switch kind {
        case .kmalloc, .cacheAlloc: [.callSite, .ptr, .bytesReq, .bytesAlloc, .gfpFlags]
        case .kfree, .cacheFree: [.callSite, .ptr]
        case .pageAlloc: [.pfn, .order, .gfpFlags]
        case .pageFree: [.pfn, .order]
        case .pageFreeBatched: [.pfn]
        case .zoneLocked, .pcpuDrain: [.pfn, .order]
        }
    }

    func apply(to event: inout TraceEvent, _ start: UnsafePointer<UInt8>, _ end: UnsafePointer<UInt8>,
               _ strings: inout StringInterner) throws(TraceTextLine.Problem) {
        let count = end - start
        func malformed() -> TraceTextLine.Problem {
            TraceTextLine.Problem(message: "malformed field \(key)='\(TraceTextLine.text(start, end))'")
        }
        func need<T>(_ value: T?) throws(TraceTextLine.Problem) -> T {
            guard let value else { throw malformed() }
            return value
        }
        switch self {
        case .callSite: event.callSite = strings.intern(start, count)
        case .name: event.name = strings.intern(start, count)
        case .gfpFlags:
            guard count > 0 else { throw malformed() }
            event.gfp = strings.intern(start, count)
        case .ptr: event.address = try need(Self.address(start, end))
        case .pfn: event.address = try need(Self.number(start, end, hexDefault: false))
        case .bytesReq:
            event.bytesRequested = try need(Self.number(start, end, hexDefault: false).flatMap { UInt32(exactly: $0) })
        case .bytesAlloc:
            event.bytesAllocated = try need(Self.number(start, end, hexDefault: false).flatMap { UInt32(exactly: $0) })
        case .order:
            let order = try need(Self.number(start, end, hexDefault: false))
            guard order <= UInt64(TraceFormat.maxOrder) else { throw malformed() }
            event.order = UInt8(order)
        case .node: event.node = try need(Self.signed(start, end).flatMap { Int32(exactly: $0) })
        case .migratetype: event.migratetype = try need(Self.signed(start, end).flatMap { Int8(exactly: $0) })
        case .accounted:
            switch TraceTextLine.text(start, end) {
            case "true": event.flags.insert(.accounted)
            case "false": break
            default: throw malformed()
            }
        case .percpuRefill:
            switch try need(Self.signed(start, end)) {
            case 0: break
            case 1: event.flags.insert(.percpuRefill)
            default: throw malformed()
            }
        }
    }

    /// `%p` pointers: hex with `0x` (perf) or without (ftrace's hashed pointers); NULL as
    /// perf prints it, `(nil)`, or as old kernels did, `(null)`.
    static func address(_ start: UnsafePointer<UInt8>, _ end: UnsafePointer<UInt8>) -> UInt64? {
        if start < end && start.pointee == UInt8(ascii: "("),
           ["(nil)", "(null)"].contains(TraceTextLine.text(start, end)) { return 0 }
        return number(start, end, hexDefault: true)
    }

    /// A decimal number, or hex with `0x` (or without when `hexDefault`).
    @inline(__always)
    static func number(_ start: UnsafePointer<UInt8>, _ end: UnsafePointer<UInt8>, hexDefault: Bool) -> UInt64? {
        var p = start
        var hex = hexDefault
        if end - p > 2 && p.pointee == UInt8(ascii: "0") && (p[1] | 0x20) == UInt8(ascii: "x") {
            hex = true
            p += 2
        }
        guard p < end, end - p <= (hex ? 16 : 19) else { return nil }
        var value: UInt64 = 0
        while p < end {
            let byte = p.pointee
            let digit: UInt64
            if byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") {
                digit = UInt64(byte - UInt8(ascii: "0"))
            } else if hex, (byte | 0x20) >= UInt8(ascii: "a"), (byte | 0x20) <= UInt8(ascii: "f") {
                digit = UInt64((byte | 0x20) - UInt8(ascii: "a") + 10)
            } else {
                return nil
            }
            value = value * (hex ? 16 : 10) + digit
            p += 1
        }
        return value
    }

    static func signed(_ start: UnsafePointer<UInt8>, _ end: UnsafePointer<UInt8>) -> Int64? {
        guard start < end else { return nil }
        if start.pointee == UInt8(ascii: "-") {
            return number(start + 1, end, hexDefault: false).flatMap { Int64(exactly: $0) }.map { -$0 }
        }
        return number(start, end, hexDefault: false).flatMap { Int64(exactly: $0) }
    }
}
