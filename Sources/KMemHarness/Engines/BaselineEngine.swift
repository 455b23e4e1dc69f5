import KMem
import KMemBaselines

/// glibc, jemalloc, tcmalloc or mimalloc, loaded at run time. Objects, cache objects and pool
/// elements are malloc and free; pages are memalign(4096, 4096 << order); virtual areas are
/// malloc of their size (memalign when they ask for more than a page alignment); per-CPU areas
/// memalign of one copy per machine CPU. GFP flags mean nothing to these allocators, except
/// that __GFP_ZERO is honoured with a memset, as the kernel zeroes.
public final class BaselineEngine: Engine {
    public let allocator: LoadedAllocator
    public let requestKinds: RequestKinds = .all

    public init(_ which: BaselineAllocator) throws(BaselineLoadError) {
        allocator = try BaselineAllocator.load(which)
    }

    public func makeWorker(cpu: Int) -> BaselineWorker { BaselineWorker(functions: allocator.functions) }

    public func retire(_ worker: inout BaselineWorker) {}

    /// Resident bytes where the allocator reports them, else what it has mapped.
    public func footprintBytes() -> Int? {
        let statistics = allocator.statistics()
        return statistics.residentBytes ?? statistics.mappedBytes
    }

    public func report() -> EngineReport {
        let statistics = allocator.statistics()
        var report = EngineReport()
        let named: [(String, Int?)] = [
            ("allocated", statistics.allocatedBytes), ("active", statistics.activeBytes),
            ("resident", statistics.residentBytes), ("mapped", statistics.mappedBytes),
            ("metadata", statistics.metadataBytes),
        ]
        for (name, value) in named { if let value { report.extra[name] = value } }
        for (name, value) in statistics.extra { report.extra[name] = value }
        return report
    }
}

/// A copy of the allocator's C entry points: each call is one indirect call into the
/// allocator. The work matches what the kernel call does: a request carrying __GFP_ZERO is
/// zeroed (kzalloc, vzalloc, __GFP_ZERO pages), vrealloc is realloc, and a per-CPU area is
/// one zeroed copy per CPU (alloc_percpu zeroes every CPU's unit).
public struct BaselineWorker: EngineWorker {
    @usableFromInline let functions: AllocatorFunctions

    @inlinable @inline(__always)
    func zeroedIfAsked(_ block: UnsafeMutableRawPointer?, _ bytes: Int, _ gfp: GFP) -> UnsafeMutableRawPointer? {
        if gfp.contains(.zero), let block { block.initializeMemory(as: UInt8.self, repeating: 0, count: bytes) }
        return block
    }

    @inlinable
    public func allocObject(size: Int, gfp: GFP) -> UnsafeMutableRawPointer? { zeroedIfAsked(functions.malloc(size), size, gfp) }

    @inlinable
    public func freeObject(_ object: UnsafeMutableRawPointer, size: Int) { functions.free(object) }

    @inlinable
    public func allocPages(order: Int, gfp: GFP) -> UnsafeMutableRawPointer? {
        zeroedIfAsked(functions.alignedAlloc(4096, 4096 << order), 4096 << order, gfp)
    }

    @inlinable
    public func freePages(_ pages: UnsafeMutableRawPointer, order: Int) { functions.free(pages) }

    @inlinable
    public func allocVirtual(size: Int, align: Int, gfp: GFP) -> UnsafeMutableRawPointer? {
        zeroedIfAsked(align <= PhysicalMemory.pageSize ? functions.malloc(size) : functions.alignedAlloc(align, size), size, gfp)
    }

    @inlinable
    public func freeVirtual(_ area: UnsafeMutableRawPointer, size: Int, align: Int) { functions.free(area) }

    /// realloc, zeroing what a grow adds when asked (vrealloc with __GFP_ZERO does).
    @inlinable
    public func reallocVirtual(_ area: UnsafeMutableRawPointer, oldSize: Int, newSize: Int, gfp: GFP) -> UnsafeMutableRawPointer? {
        guard let moved = functions.realloc(area, newSize) else { return nil }
        if gfp.contains(.zero) && newSize > oldSize {
            (moved + oldSize).initializeMemory(as: UInt8.self, repeating: 0, count: newSize - oldSize)
        }
        return moved
    }

    @inlinable
    public func allocPercpu(size: Int, align: Int, gfp: GFP) -> UnsafeMutableRawPointer? {
        let bytes = size * CPU.configuredCount
        return zeroedIfAsked(functions.alignedAlloc(align, bytes), bytes, gfp.union(.zero))
    }

    @inlinable
    public func freePercpu(_ area: UnsafeMutableRawPointer, size: Int, align: Int) { functions.free(area) }
}
