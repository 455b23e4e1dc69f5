import CKMemShims

/// The scope API (include/linux/sched/mm.h): instead of passing GFP_NOIO / GFP_NOFS down a
/// call chain, a caller marks a region of its own execution, and every allocation inside it
/// loses __GFP_IO / __GFP_FS. Flags are per thread; save/restore pairs nest.
public enum MemallocScope {
    @usableFromInline static let noio: UInt32 = 1 << 0
    @usableFromInline static let nofs: UInt32 = 1 << 1

    /// memalloc_noio_save: returns the previous state to hand to `noioRestore`.
    public static func noioSave() -> UInt32 { save(noio) }
    public static func noioRestore(_ saved: UInt32) { restore(noio, saved) }
    /// memalloc_nofs_save / memalloc_nofs_restore.
    public static func nofsSave() -> UInt32 { save(nofs) }
    public static func nofsRestore(_ saved: UInt32) { restore(nofs, saved) }

    static func save(_ flag: UInt32) -> UInt32 {
        let task = kmem_shim_current_task()!
        let old = task.pointee.memalloc_flags & flag
        task.pointee.memalloc_flags |= flag
        return old
    }

    static func restore(_ flag: UInt32, _ saved: UInt32) {
        let task = kmem_shim_current_task()!
        task.pointee.memalloc_flags = (task.pointee.memalloc_flags & ~flag) | saved
    }

    /// current_gfp_context: the flags an allocation really runs with inside the scopes.
    @inlinable public static func effective(_ gfp: GFP) -> GFP {
        let scope = kmem_shim_current_task().pointee.memalloc_flags
        if scope == 0 { return gfp }
        var flags = gfp
        if scope & noio != 0 { flags.subtract([.io, .fs]) } else if scope & nofs != 0 { flags.remove(.fs) }
        return flags
    }
}
