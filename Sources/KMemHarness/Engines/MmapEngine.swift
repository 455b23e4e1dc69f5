import Glibc
import KMem
import Synchronization

/// The naive way to get virtually contiguous memory from user space: one anonymous mmap per
/// allocation and one munmap per free (each a system call, each munmap a TLB shootdown).
/// It serves only virtual areas: the row the vmalloc suite sets next to vmalloc's
/// lazy purging. Alignment above a page maps size + align and trims both ends; resizing maps
/// anew and copies (mremap is variadic in C and not imported into Swift).
public final class MmapEngine: Engine {
    public static let requestKinds: RequestKinds = .virtual
    public var requestKinds: RequestKinds { Self.requestKinds }
    /// Bytes mapped now, for the footprint.
    let mapped = Atomic<Int>(0)

    public init() {}

    public func makeWorker(cpu: Int) -> MmapWorker { MmapWorker(engine: .passUnretained(self)) }
    public func retire(_ worker: inout MmapWorker) {}
    public func footprintBytes() -> Int? { mapped.load(ordering: .relaxed) }
    public func report() -> EngineReport { EngineReport() }
}

public struct MmapWorker: EngineWorker {
    let engine: Unmanaged<MmapEngine>

    static func pages(_ size: Int) -> Int { (size + PhysicalMemory.pageSize - 1) & ~(PhysicalMemory.pageSize - 1) }

    public func allocVirtual(size: Int, align: Int, gfp: GFP) -> UnsafeMutableRawPointer? {
        let length = Self.pages(size)
        let slack = align > PhysicalMemory.pageSize ? align : 0
        let (total, overflow) = length.addingReportingOverflow(slack)
        guard !overflow, let raw = mmap(nil, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
              raw != MAP_FAILED else { return nil }
        let start = raw.alignedUp(toMultipleOf: max(align, PhysicalMemory.pageSize))
        if start > raw { munmap(raw, start - raw) }
        let tail = (raw + total) - (start + length)
        if tail > 0 { munmap(start + length, tail) }
        engine._withUnsafeGuaranteedRef { $0.mapped.wrappingAdd(length, ordering: .relaxed) }
        return start
    }

    public func freeVirtual(_ area: UnsafeMutableRawPointer, size: Int, align: Int) {
        guard munmap(area, Self.pages(size)) == 0 else { fatalError("mmap engine: munmap failed: errno \(errno)") }
        engine._withUnsafeGuaranteedRef { $0.mapped.wrappingSubtract(Self.pages(size), ordering: .relaxed) }
    }
}
