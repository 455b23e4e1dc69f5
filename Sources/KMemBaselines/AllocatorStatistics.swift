/// What an allocator reports about its own memory, in bytes. A field is nil when the
/// allocator has no counterpart; `extra` keeps allocator-specific figures under their native
/// names, in a stable order.
public struct AllocatorStatistics: Sendable {
    /// Bytes in blocks the application holds.
    public var allocatedBytes: Int?
    /// Bytes in pages that hold at least one live block (jemalloc's stats.active).
    public var activeBytes: Int?
    /// Bytes physically resident.
    public var residentBytes: Int?
    /// Bytes the allocator has mapped (mimalloc: committed) from the kernel.
    public var mappedBytes: Int?
    /// Bytes the allocator spends on its own bookkeeping.
    public var metadataBytes: Int?
    public var extra: [(String, Int)]

    public init(allocatedBytes: Int? = nil, activeBytes: Int? = nil, residentBytes: Int? = nil,
                mappedBytes: Int? = nil, metadataBytes: Int? = nil, extra: [(String, Int)] = []) {
        self.allocatedBytes = allocatedBytes
        self.activeBytes = activeBytes
        self.residentBytes = residentBytes
        self.mappedBytes = mappedBytes
        self.metadataBytes = metadataBytes
        self.extra = extra
    }
}
