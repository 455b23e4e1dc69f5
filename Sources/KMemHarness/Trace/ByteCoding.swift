/// The trace format's primitives: little-endian fixed-width integers, LEB128 varints, zigzag
/// for signed deltas, and FNV-1a checksums.
struct ByteWriter {
    var bytes: [UInt8] = []

    mutating func fixed<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func varint(_ value: UInt64) {
        var rest = value
        while rest >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: rest) | 0x80)
            rest >>= 7
        }
        bytes.append(UInt8(rest))
    }

    mutating func varint<T: BinaryInteger>(_ value: T) { varint(UInt64(value)) }

    mutating func signed(_ value: Int64) { varint(UInt64(bitPattern: (value << 1) ^ (value >> 63))) }

    mutating func string(_ text: String) {
        varint(text.utf8.count)
        bytes.append(contentsOf: text.utf8)
    }
}

/// Reads what `ByteWriter` wrote; every read checks the bounds. Errors are `ByteReader.End`
/// (ran out of bytes) or `ByteReader.Overlong` (a varint longer than 64 bits): the caller
/// turns them into messages naming the record.
struct ByteReader {
    struct End: Error {}
    struct Overlong: Error {}

    let base: UnsafeRawBufferPointer
    var offset: Int
    let end: Int

    init(_ base: UnsafeRawBufferPointer, from offset: Int = 0, to end: Int? = nil) {
        self.base = base
        self.offset = offset
        self.end = end ?? base.count
    }

    var remaining: Int { end - offset }

    mutating func fixed<T: FixedWidthInteger>(_: T.Type) throws -> T {
        let size = MemoryLayout<T>.size
        guard remaining >= size else { throw End() }
        let value = base.loadUnaligned(fromByteOffset: offset, as: T.self)
        offset += size
        return T(littleEndian: value)
    }

    @inline(__always)
    mutating func byte() throws -> UInt8 {
        guard offset < end else { throw End() }
        defer { offset += 1 }
        return base[offset]
    }

    @inline(__always)
    mutating func varint() throws -> UInt64 {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let byte = try byte()
            guard shift < 64 else { throw Overlong() }
            value |= UInt64(byte & 0x7f) << shift
            if byte < 0x80 { return value }
            shift += 7
        }
    }

    mutating func signed() throws -> Int64 {
        let raw = try varint()
        return Int64(bitPattern: raw >> 1) ^ -Int64(bitPattern: raw & 1)
    }

    mutating func bytes(_ count: Int) throws -> UnsafeRawBufferPointer {
        guard count >= 0, remaining >= count else { throw End() }
        defer { offset += count }
        return UnsafeRawBufferPointer(rebasing: base[offset..<offset + count])
    }
}

/// FNV-1a, 64 bits: a checksum cheap enough to run over every block of a trace.
enum FNV1a {
    static func hash(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return hash
    }

    static func hash(_ bytes: [UInt8], from start: Int = 0) -> UInt64 {
        bytes.withUnsafeBytes { hash(UnsafeRawBufferPointer(rebasing: $0[start...])) }
    }
}
