/// vm_struct flags of a busy area.
public struct VMFlags: OptionSet, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// VM_ALLOC: vmalloc memory; vfree gives its pages back.
    public static let alloc = VMFlags(rawValue: 1 << 0)
    /// VM_MAP: vmap of the caller's pages; vunmap leaves them to the caller.
    public static let map = VMFlags(rawValue: 1 << 1)
    /// VM_NO_GUARD: no unmapped guard page after the area.
    public static let noGuard = VMFlags(rawValue: 1 << 2)
    /// VM_UNINITIALIZED: reserved, pages not mapped yet; not yet the caller's to free.
    static let uninitialized = VMFlags(rawValue: 1 << 3)
    /// Handed to vfree_atomic and waiting for the worker: a second free is a double free.
    static let deferredFree = VMFlags(rawValue: 1 << 4)
    /// Freed, in the lazy tree with its mapping intact until the next purge.
    static let lazy = VMFlags(rawValue: 1 << 5)
}

/// struct vmap_area with its vm_struct: one range of the vmalloc space. A node sits in exactly
/// one of the space's trees (free, busy or lazy) or on the node free list.
///
/// Offsets are bytes from the start of the reserved range; `end` is exclusive and includes
/// the guard page, as va_end does.
struct VmapArea {
    var start = 0
    var end = 0
    /// Tree links by node index, -1 for none (the node free list reuses `left`).
    var left: Int32 = -1
    var right: Int32 = -1
    /// Treap heap priority: random, so the tree stays balanced with high probability.
    var priority: UInt32 = 0
    /// subtree_max_size: the largest `size` in this node's subtree (free tree only).
    var subtreeMaxSize = 0

    // The vm_struct part, for busy and lazy areas.
    var flags: VMFlags = []
    /// Frame numbers of the mapped pages, malloc'ed; nil for an area with none yet. A lazy
    /// vmalloc area keeps them (the frames are free again) to find its stale mapping by frame.
    var pfns: UnsafeMutablePointer<Int32>? = nil
    var pageCount = 0
    /// The size the caller asked for (vrealloc grows and shrinks within the mapped pages).
    var requestedSize = 0
    var caller: StaticString = ""
    var callerLine: UInt = 0

    var size: Int { end - start }
}
