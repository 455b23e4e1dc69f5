import Glibc
import Synchronization

/// The harness's own buffers (block arrays, rings, size tables) come from mmap, never from the
/// allocator under test (glibc's heap would otherwise count them as its own), and are counted,
/// so that the resident-memory figure can leave them out exactly: each mapping is populated
/// at once, so its whole length is resident for its whole life.
enum HarnessMemory {
    /// Bytes of harness mappings now, and their most since `resetPeak`.
    static let mapped = Atomic<Int>(0)
    static let peak = Atomic<Int>(0)
    /// Bytes before each mapping: its length, for munmap (16 keeps every element type aligned).
    static let header = 16

    static func map(bytes: Int) -> UnsafeMutableRawPointer {
        let length = (bytes + header + 4095) & ~4095
        let base = mmap(nil, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0)
        guard let base, base != MAP_FAILED else { fatalError("kmembench: mmap of \(length) bytes for the harness failed") }
        base.storeBytes(of: length, as: Int.self)
        let now = mapped.wrappingAdd(length, ordering: .relaxed).newValue
        var seen = peak.load(ordering: .relaxed)
        while now > seen, case (false, let current) = peak.compareExchange(expected: seen, desired: now, ordering: .relaxed) {
            seen = current
        }
        return base + header
    }

    /// Starts a new peak from the bytes mapped now.
    static func resetPeak() { peak.store(mapped.load(ordering: .relaxed), ordering: .relaxed) }

    static func unmap(_ start: UnsafeMutableRawPointer) {
        let base = start - header
        let length = base.load(as: Int.self)
        munmap(base, length)
        mapped.wrappingSubtract(length, ordering: .relaxed)
    }
}

extension UnsafeMutablePointer where Pointee: ~Copyable {
    /// Room for `capacity` elements in harness memory (uninitialised, as `allocate`).
    static func harnessAllocate(capacity: Int) -> Self {
        HarnessMemory.map(bytes: Swift.max(1, capacity) * MemoryLayout<Pointee>.stride).bindMemory(to: Pointee.self, capacity: capacity)
    }

    func harnessDeallocate() { HarnessMemory.unmap(UnsafeMutableRawPointer(self)) }
}
