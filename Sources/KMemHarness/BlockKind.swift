import KMem

/// Objects or pages, for workloads that run on either: `amount` is a byte size for objects
/// and an order for pages.
public enum BlockKind: String, Sendable {
    case objects, pages

    public static let parameter = ParameterSchema("kind", default: "objects", .choice(["objects", "pages"]),
                                                  "objects (kmalloc/malloc of size) or pages (alloc_pages of order)")

    public var requestKinds: RequestKinds { self == .pages ? .pages : .objects }
}

extension Driver {
    @inlinable @inline(__always)
    public mutating func allocate(_ kind: BlockKind, _ amount: Int, gfp: GFP = .kernel) -> UnsafeMutableRawPointer? {
        kind == .pages ? allocPages(order: amount, gfp: gfp) : allocObject(size: amount, gfp: gfp)
    }

    @inlinable @inline(__always)
    public mutating func free(_ kind: BlockKind, _ block: UnsafeMutableRawPointer, _ amount: Int, remote: Bool = false) {
        if kind == .pages { freePages(block, order: amount, remote: remote) } else { freeObject(block, size: amount, remote: remote) }
    }
}
