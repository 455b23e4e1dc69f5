import KMem
import KMemBaselines

/// glibc, jemalloc, tcmalloc or mimalloc, loaded at run time. Objects, cache objects and pool
/// elements are malloc and the sized free; pages are an aligned allocation of 4096 << order
/// bytes at 4096 and the allocator's sized, aligned free; virtual areas are malloc of their
/// size (aligned allocation when they ask for more than a page), per-CPU areas an aligned
/// allocation. GFP flags mean nothing to these allocators.
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

/// A copy of the allocator's C entry points: each call is one indirect call.
public struct BaselineWorker: EngineWorker {
    @usableFromInline let functions: AllocatorFunctions

    @inlinable
    public func allocObject(size: Int, gfp: GFP) -> UnsafeMutableRawPointer? { functions.malloc(size) }

    @inlinable
    public func freeObject(_ object: UnsafeMutableRawPointer, size: Int) { functions.sizedFree(object, size) }

    @inlinable
    public func allocPages(order: Int, gfp: GFP) -> UnsafeMutableRawPointer? {
        functions.alignedAlloc(4096, 4096 << order)
    }

    @inlinable
    public func freePages(_ pages: UnsafeMutableRawPointer, order: Int) {
        functions.alignedSizedFree(pages, 4096 << order, 4096)
    }

    @inlinable
    public func allocVirtual(size: Int, align: Int, gfp: GFP) -> UnsafeMutableRawPointer? {
        align <= PhysicalMemory.pageSize ? functions.malloc(size) : functions.alignedAlloc(align, size)
    }

    @inlinable
    public func freeVirtual(_ area: UnsafeMutableRawPointer, size: Int, align: Int) {
        if align <= PhysicalMemory.pageSize { functions.sizedFree(area, size) } else { functions.alignedSizedFree(area, size, align) }
    }

    @inlinable
    public func allocPercpu(size: Int, align: Int, gfp: GFP) -> UnsafeMutableRawPointer? { functions.alignedAlloc(align, size) }

    @inlinable
    public func freePercpu(_ area: UnsafeMutableRawPointer, size: Int, align: Int) {
        functions.alignedSizedFree(area, size, align)
    }
}
