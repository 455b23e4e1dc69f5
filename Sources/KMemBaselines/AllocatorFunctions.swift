/// The four entry points a benchmark's hot path calls, as raw C function pointers to each
/// allocator's own exported functions: every operation on every baseline is one indirect call
/// straight into the allocator, with no trampoline, closure context or ARC between. Frees are
/// unsized, as kfree and free() are: an allocator that could use a size is not told one.
///
/// `@unchecked Sendable` because Swift does not treat C function pointers as `Sendable`;
/// these capture no state, point into libraries that are never unloaded, and the allocators
/// behind them are thread-safe.
public struct AllocatorFunctions: @unchecked Sendable {
    public typealias Malloc = @convention(c) (_ size: Int) -> UnsafeMutableRawPointer?
    public typealias Free = @convention(c) (_ pointer: UnsafeMutableRawPointer?) -> Void
    public typealias AlignedAlloc = @convention(c) (_ alignment: Int, _ size: Int) -> UnsafeMutableRawPointer?
    public typealias Realloc = @convention(c) (_ pointer: UnsafeMutableRawPointer?, _ size: Int) -> UnsafeMutableRawPointer?

    public let malloc: Malloc
    /// Frees a block from any of the allocating entry points.
    public let free: Free
    /// memalign: alignment is a power of two.
    public let alignedAlloc: AlignedAlloc
    public let realloc: Realloc

    public init(malloc: Malloc, free: Free, alignedAlloc: AlignedAlloc, realloc: Realloc) {
        self.malloc = malloc
        self.free = free
        self.alignedAlloc = alignedAlloc
        self.realloc = realloc
    }
}
