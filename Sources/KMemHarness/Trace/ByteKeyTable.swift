import Glibc

/// A few fixed words (field keys, event names) looked up by bytes without making a String:
/// each entry is matched on its length and first eight bytes, then the rest compared.
struct ByteKeyTable<Value: Sendable>: Sendable {
    private let entries: [(length: Int, prefix: UInt64, bytes: [UInt8], value: Value)]

    init(_ words: [(String, Value)]) {
        entries = words.map { word, value in
            let bytes = Array(word.utf8)
            return (bytes.count, bytes.withUnsafeBufferPointer { Self.prefix($0.baseAddress!, bytes.count) }, bytes, value)
        }
    }

    @inline(__always)
    static func prefix(_ start: UnsafePointer<UInt8>, _ count: Int) -> UInt64 {
        var value: UInt64 = 0
        for index in 0..<min(count, 8) { value |= UInt64(start[index]) << (8 * UInt64(index)) }
        return value
    }

    @inline(__always)
    func lookup(_ start: UnsafePointer<UInt8>, _ end: UnsafePointer<UInt8>) -> Value? {
        let count = end - start
        let prefix = Self.prefix(start, count)
        for entry in entries where entry.length == count && entry.prefix == prefix {
            if count <= 8 || entry.bytes.withUnsafeBufferPointer({ memcmp($0.baseAddress! + 8, start + 8, count - 8) == 0 }) {
                return entry.value
            }
        }
        return nil
    }
}
