/// The five entry points a benchmark's hot path calls, as raw C function pointers in one
/// uniform shape per operation, so a call is one indirect call: no closure context, no ARC.
/// Where an allocator's own function has another shape, the pointer is a C trampoline from
/// CKMemShims that fixes up registers and tail-jumps into the allocator.
///
/// `@unchecked Sendable` because Swift does not treat C function pointers as `Sendable`;
/// these capture no state, point into libraries that are never unloaded, and the allocators
/// behind them are thread-safe.
public struct AllocatorFunctions: @unchecked Sendable {
    public typealias Malloc = @convention(c) (_ size: Int) -> UnsafeMutableRawPointer?
    public typealias Free = @convention(c) (_ pointer: UnsafeMutableRawPointer?) -> Void
    public typealias SizedFree = @convention(c) (_ pointer: UnsafeMutableRawPointer?, _ size: Int) -> Void
    public typealias AlignedAlloc = @convention(c) (_ alignment: Int, _ size: Int) -> UnsafeMutableRawPointer?
    public typealias AlignedSizedFree =
        @convention(c) (_ pointer: UnsafeMutableRawPointer?, _ size: Int, _ alignment: Int) -> Void

    public let malloc: Malloc
    public let free: Free
    /// Frees a block from `malloc` given the size it was requested with.
    public let sizedFree: SizedFree
    /// Alignment is a power of two.
    public let alignedAlloc: AlignedAlloc
    /// Frees a block from `alignedAlloc` given its requested size and alignment.
    public let alignedSizedFree: AlignedSizedFree

    public init(malloc: Malloc, free: Free, sizedFree: SizedFree,
                alignedAlloc: AlignedAlloc, alignedSizedFree: AlignedSizedFree) {
        self.malloc = malloc
        self.free = free
        self.sizedFree = sizedFree
        self.alignedAlloc = alignedAlloc
        self.alignedSizedFree = alignedSizedFree
    }
}
