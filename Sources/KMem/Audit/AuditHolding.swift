/// Memory held on the caller's side of the API by something the audit cannot find on its
/// own (a mempool's reserve, an OOM victim's pages): it reports what it holds, and the audit
/// counts that as its place instead of as live.
public enum AuditHolding: @unchecked Sendable {
    // Sendable: a pointer value; the audit only reads the memory, at a quiescent point.
    /// Something kmalloc or a kmem cache handed out: a slab object or a large kmalloc.
    case object(UnsafeMutableRawPointer)
    /// A block of 2^order pages from the page allocator.
    case pages(pfn: Int, order: Int)
}

/// A holder of memory outside the kernel's structures (mempools, OOM victims). Called at a
/// quiescent point; it must report every element it holds exactly once.
public protocol AuditHolder: Sendable {
    /// The place its memory is counted under ("mempool bio reserve").
    var auditName: String { get }
    func auditHoldings() -> [AuditHolding]
}
