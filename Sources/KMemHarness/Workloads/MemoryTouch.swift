import Foundation
import Synchronization

/// The memory accesses the classic benchmarks make into the blocks they allocate, written so
/// the optimizer cannot drop them: a byte access is a relaxed atomic, a plain `mov` on x86
/// and arm64 that is never merged, moved out of a loop or removed; fills and sums go through
/// memory the engine's opaque free may read, so they stay too.
enum MemoryTouch {
    @inline(__always)
    static func store(_ block: UnsafeMutableRawPointer, at offset: Int, _ value: UInt8) {
        (block + offset).assumingMemoryBound(to: Atomic<UInt8>.self).pointee.store(value, ordering: .relaxed)
    }

    @inline(__always)
    static func load(_ block: UnsafeMutableRawPointer, at offset: Int) -> UInt8 {
        (block + offset).assumingMemoryBound(to: Atomic<UInt8>.self).pointee.load(ordering: .relaxed)
    }

    /// `p[i] = (char)i` for every byte, one byte store at a time (as gcc -O2 compiles
    /// glibc's loop: not vectorised).
    @inline(__always)
    static func storeIndexBytes(_ block: UnsafeMutableRawPointer, count: Int) {
        for index in 0..<count { store(block, at: index, UInt8(truncatingIfNeeded: index)) }
    }

    /// Adds every word, then every tail byte, of `count` bytes (alloc-test's full read).
    @inline(__always)
    static func sum(_ block: UnsafeMutableRawPointer, count: Int) -> UInt {
        let words = count / MemoryLayout<UInt>.size
        var total: UInt = 0
        for index in 0..<words { total &+= block.load(fromByteOffset: index * MemoryLayout<UInt>.size, as: UInt.self) }
        for offset in words * MemoryLayout<UInt>.size..<count { total &+= UInt(block.load(fromByteOffset: offset, as: UInt8.self)) }
        return total
    }
}
