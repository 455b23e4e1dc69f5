/// A baseline allocator loaded into this process, called through raw function pointers.
/// Obtain one with `BaselineAllocator.load(_:)`; the library stays loaded for the life of
/// the process (memory it handed out may still be live, so it is never dlclose'd).
///
/// `@unchecked Sendable` because it is immutable after init and its only non-Sendable
/// contents are C function pointers (see `AllocatorFunctions`).
public final class LoadedAllocator: @unchecked Sendable {
    public let kind: BaselineAllocator
    /// The raw entry points. A hot loop may copy this struct into a local to skip the
    /// class indirection.
    public let functions: AllocatorFunctions
    let statisticsSource: StatisticsSource

    init(kind: BaselineAllocator, functions: AllocatorFunctions, statisticsSource: StatisticsSource) {
        self.kind = kind
        self.functions = functions
        self.statisticsSource = statisticsSource
    }

    /// A block of at least `size` bytes, or nil when the allocator is out of memory.
    @inlinable
    public func allocate(size: Int) -> UnsafeMutableRawPointer? {
        functions.malloc(size)
    }

    /// Frees a block from `allocate(size:)` or `allocateAligned(size:alignment:)`.
    @inlinable
    public func deallocate(_ pointer: UnsafeMutableRawPointer) {
        functions.free(pointer)
    }

    /// A block of at least `size` bytes aligned to `alignment`, a power of two.
    @inlinable
    public func allocateAligned(size: Int, alignment: Int) -> UnsafeMutableRawPointer? {
        functions.alignedAlloc(alignment, size)
    }
}
