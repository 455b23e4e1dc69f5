/// One thing a conservation audit found wrong, named precisely enough to find it: which frame
/// or object, which two places claim it, which count disagrees with which.
public struct AuditViolation: Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable, CaseIterable {
        /// A page frame claimed by two places (free twice, free and allocated, two owners).
        case frameInTwoPlaces
        /// A page frame in no place: neither free, nor in an allocated block.
        case frameLost
        /// A descriptor that contradicts where its frame sits (type, refcount, order, flags).
        case pageState
        /// A list, tree or stack that is broken (bad link, loop, an entry of the wrong kind).
        case listCorrupt
        /// A structure's own count disagrees with what walking it finds.
        case countMismatch
        /// A slab object in two places (freelist and a per-CPU cache, two magazines, ...).
        case objectInTwoPlaces
        /// A pointer in a cache that is not an object of its slabs.
        case objectInvalid
        /// The live objects, pages or areas found differ from what the caller says is live.
        case liveCountMismatch
        /// Something is mid-operation (a CPU's cache lent out, a lock held, an area being set
        /// up): the audit was not called at a quiescent point, or a path forgot to give it back.
        case notQuiescent
    }

    public let kind: Kind
    public let description: String

    public init(_ kind: Kind, _ description: String) {
        self.kind = kind
        self.description = description
    }
}
