/// One operation of a replay, in a flat array per worker: 24 bytes, no references, so the
/// replay loop touches no reference counts.
struct ReplayOp {
    enum Kind: UInt8 { case kmalloc, kfree, cacheAlloc, cacheFree, pageAlloc, pageFree }

    /// Nanoseconds after the trace's first event (for paced replays).
    var time: UInt64
    /// The object's slot in the plan's slot array: where its allocation leaves the pointer.
    var slot: Int32
    /// Bytes (kmalloc, kfree), the cache's index (cache ops) or the order (page ops).
    var amount: Int32
    var gfp: UInt32
    var kind: Kind
    var context: Context
    /// A free of an object another worker allocates: wait until that allocation has happened.
    var waits: Bool

    /// The context the event ran in: process, or an interrupt entered around the call.
    enum Context: UInt8 { case process, softirq, hardirq, nmi }

    var isAllocation: Bool { kind == .kmalloc || kind == .cacheAlloc || kind == .pageAlloc }

    /// The free of what this allocation made.
    func free(time: UInt64, context: Context, waits: Bool) -> ReplayOp {
        let freeKind: Kind = switch kind {
        case .kmalloc, .kfree: .kfree
        case .cacheAlloc, .cacheFree: .cacheFree
        case .pageAlloc, .pageFree: .pageFree
        }
        return ReplayOp(time: time, slot: slot, amount: amount, gfp: 0, kind: freeKind, context: context, waits: waits)
    }
}

/// Slot values besides a pointer: nothing yet, the model's allocation failed, freed.
enum ReplaySlot {
    static let pending: UInt = 0
    static let failed: UInt = 1
    static let freed: UInt = 2
}
