import Glibc

/// The dictionary a text import builds: byte strings to indices, without making a `String`
/// per event (only a new entry becomes one). Open addressing over FNV-1a hashes, bytes
/// compared against one contiguous arena.
struct StringInterner {
    private(set) var strings: [String] = [""]
    private var arena: [UInt8] = []
    /// Per entry: offset and length in `arena`.
    private var spans: [(offset: Int, count: Int)] = [(0, 0)]
    /// Entry index + 1 per slot, 0 when free.
    private var slots = [Int32](repeating: 0, count: 1024)
    private var hashes = [UInt64](repeating: 0, count: 1024)

    /// The index of these bytes, adding them if new. Empty text is entry 0.
    mutating func intern(_ start: UnsafePointer<UInt8>, _ count: Int) -> UInt32 {
        guard count > 0 else { return 0 }
        let hash = FNV1a.hash(UnsafeRawBufferPointer(start: start, count: count))
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: hash) & mask
        while slots[slot] != 0 {
            let entry = Int(slots[slot] - 1)
            if hashes[slot] == hash && matches(entry, start, count) { return UInt32(entry) }
            slot = (slot + 1) & mask
        }
        let entry = strings.count
        spans.append((arena.count, count))
        arena.append(contentsOf: UnsafeBufferPointer(start: start, count: count))
        strings.append(String(decoding: UnsafeBufferPointer(start: start, count: count), as: UTF8.self))
        slots[slot] = Int32(entry + 1)
        hashes[slot] = hash
        if strings.count * 2 > slots.count { grow() }
        return UInt32(entry)
    }

    private func matches(_ entry: Int, _ start: UnsafePointer<UInt8>, _ count: Int) -> Bool {
        let span = spans[entry]
        guard span.count == count else { return false }
        return arena.withUnsafeBufferPointer { memcmp($0.baseAddress! + span.offset, start, count) == 0 }
    }

    private mutating func grow() {
        let old = (slots, hashes)
        slots = [Int32](repeating: 0, count: old.0.count * 2)
        hashes = [UInt64](repeating: 0, count: old.0.count * 2)
        let mask = slots.count - 1
        for (index, entry) in old.0.enumerated() where entry != 0 {
            var slot = Int(truncatingIfNeeded: old.1[index]) & mask
            while slots[slot] != 0 { slot = (slot + 1) & mask }
            slots[slot] = entry
            hashes[slot] = old.1[index]
        }
    }
}
