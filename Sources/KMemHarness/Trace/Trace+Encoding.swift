import Foundation

extension Trace {
    /// The trace in the binary format (docs/trace-format.md).
    public func encoded() -> [UInt8] {
        var header = ByteWriter()
        header.bytes.append(contentsOf: TraceFormat.magic)
        header.fixed(TraceFormat.version)
        header.fixed(hasContext ? TraceFormat.contextFlag : 0)
        header.fixed(UInt32(cpus.count))
        header.fixed(UInt64(eventCount))
        let start = timeSpan.start
        header.fixed(start)
        header.string(source)
        let counts = kindCounts
        header.varint(counts.count)
        for count in counts { header.varint(count) }
        header.varint(strings.count)
        for string in strings { header.string(string) }
        header.fixed(FNV1a.hash(header.bytes))
        var out = header
        for events in cpus {
            let payload = Self.encode(events, start: start)
            out.varint(events.count)
            out.varint(payload.count)
            out.bytes.append(contentsOf: payload)
            out.fixed(FNV1a.hash(payload))
        }
        return out.bytes
    }

    /// Writes the trace whole (a temporary file renamed over `path`): never half a file.
    public func write(to path: String) throws {
        try WholeFile.write(Data(encoded()), to: URL(fileURLWithPath: path))
    }

    /// One CPU's events: timestamps and addresses as deltas from the CPU's previous event.
    static func encode(_ events: [TraceEvent], start: UInt64) -> [UInt8] {
        var out = ByteWriter()
        out.bytes.reserveCapacity(events.count * 10)
        var time = start
        var addresses = (slab: UInt64(0), page: UInt64(0))
        for event in events {
            out.bytes.append(event.kind.rawValue)
            out.bytes.append(event.flags.rawValue)
            out.varint(event.timestamp - time)
            time = event.timestamp
            let previous = event.kind.isPageEvent ? addresses.page : addresses.slab
            let delta = Int64(bitPattern: event.address &- previous)
            if event.kind.isPageEvent { addresses.page = event.address } else { addresses.slab = event.address }
            switch event.kind {
            case .kmalloc, .cacheAlloc:
                out.varint(event.callSite)
                out.signed(delta)
                if event.kind == .cacheAlloc { out.varint(event.name) }
                out.varint(event.bytesRequested)
                out.signed(Int64(event.bytesAllocated) - Int64(event.bytesRequested))
                out.varint(event.gfp)
                out.signed(Int64(event.node))
            case .kfree, .cacheFree:
                out.varint(event.callSite)
                out.signed(delta)
                if event.kind == .cacheFree { out.varint(event.name) }
            case .pageAlloc:
                out.signed(delta)
                out.bytes.append(event.order)
                out.signed(Int64(event.migratetype))
                out.varint(event.gfp)
            case .pageFree:
                out.signed(delta)
                out.bytes.append(event.order)
            case .pageFreeBatched:
                out.signed(delta)
            case .zoneLocked, .pcpuDrain:
                out.signed(delta)
                out.bytes.append(event.order)
                out.signed(Int64(event.migratetype))
            }
        }
        return out.bytes
    }
}
