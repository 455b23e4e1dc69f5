import Synchronization

/// Where a free page sits (the kernel's page_type). Kept apart from `flags` because it is
/// written by lock holders while the page's flags may belong to whoever owns the page, and
/// read by the zone-lock holder for any page (is my buddy free?), as PageBuddy() is.
public enum PageType: UInt8, Sendable {
    case none = 0
    /// First page of a free block on a buddy free list; `order` is the block's order.
    case buddy = 1
    /// Free on a per-CPU page list.
    case pcp = 2
}

/// Page flags kept in the descriptor (the kernel's PG_* bits that the model needs), owned by
/// whoever holds the page.
public struct PageFlags: OptionSet, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// First page of a compound allocation (__GFP_COMP).
    public static let head = PageFlags(rawValue: 1 << 0)
    /// Any other page of a compound allocation; `compoundHead` names the first.
    public static let tail = PageFlags(rawValue: 1 << 1)
    /// Owned by the slab layer.
    public static let slab = PageFlags(rawValue: 1 << 2)
    /// Never handed to the buddy allocator.
    public static let reserved = PageFlags(rawValue: 1 << 3)
    /// A kmalloc too large for the caches, served as compound pages.
    public static let largeKmalloc = PageFlags(rawValue: 1 << 4)
}

/// struct page: one fixed-layout descriptor per 4 KiB frame, in one array indexed by pfn.
///
/// Ownership of the fields: `flags`, `order`, `next`, `prev` belong to whoever holds the page
/// (the zone lock while it is on a buddy list, the per-CPU list's lock while on a pcp list, the
/// allocating caller once handed out). `type` is atomic (relaxed: plain loads and stores) so
/// that the zone-lock holder may ask of any page whether it is a free buddy. `refcount` is
/// atomic so that a double free racing with a free is caught by exactly one of them. The slab
/// fields belong to the slab layer.
public struct Page: ~Copyable {
    /// List links by pfn, -1 for none: a buddy free list, a pcp list or a slab list, only ever
    /// touched under that list's lock. First on purpose: Swift instruments a field update
    /// through `pointee` as an access at the struct's base address, which must therefore hold
    /// lock-protected data, not the `flags` that kfree reads without a lock.
    @usableFromInline var next: Int32 = -1
    @usableFromInline var prev: Int32 = -1
    public var flags: PageFlags = []
    /// Free block order while `buddy`; allocation order while allocated (head page).
    public var order: UInt8 = 0
    public var zone: UInt8 = 0
    /// The migratetype list a free block sits on (buddy or pcp).
    @usableFromInline var listType: UInt8 = 0
    /// First pfn of the compound page this tail belongs to, -1 otherwise.
    public var compoundHead: Int32 = -1
    /// 1 while handed out (head page), 0 while free or a tail.
    public let refcount = Atomic<Int32>(0)
    @usableFromInline let type = Atomic<UInt8>(PageType.none.rawValue)

    // Owner fields for the slab layer. `objects` is fixed while the page is a slab. `freelist`
    // and the counters (`inuse`, `frozen`) form one 16-byte-aligned pair, which SLUB changes
    // only with a 16-byte compare-exchange (the kernel's slab_update_freelist), since its
    // frees reach a CPU's slab without any lock; the other designs change it under the
    // node's list lock. `frozen` (SLUB): the slab belongs to a CPU, off the node's lists.
    public var objects: UInt32 = 0
    public var freelist: UnsafeMutableRawPointer? = nil
    public var inuse: UInt32 = 0
    public var frozen: UInt32 = 0
    public var slabCache: UnsafeMutableRawPointer? = nil
    public var privateWord: UInt = 0

    public init() {}
}

public typealias PagePointer = UnsafeMutablePointer<Page>

extension Page {
    /// Where the freelist/counters pair sits in a descriptor (PhysicalMemory checks it).
    @usableFromInline static let slabPairOffset = 32
}

extension Page {
    @inlinable public var pageType: PageType {
        PageType(rawValue: type.load(ordering: .relaxed)) ?? .none
    }

    @inlinable func setType(_ value: PageType) { type.store(value.rawValue, ordering: .relaxed) }
}
