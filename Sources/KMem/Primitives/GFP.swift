/// Get-free-pages flags: how an allocation may behave (which zones, how hard to try, whether
/// it may sleep). Bits and composites follow include/linux/gfp_types.h; raw values are ours.
public struct GFP: OptionSet, Hashable, Sendable {
    public let rawValue: UInt32
    @inlinable public init(rawValue: UInt32) { self.rawValue = rawValue }

    // Zone modifiers.
    public static let dma = GFP(rawValue: 1 << 0)            // __GFP_DMA
    public static let highmem = GFP(rawValue: 1 << 1)        // __GFP_HIGHMEM
    public static let dma32 = GFP(rawValue: 1 << 2)          // __GFP_DMA32
    public static let movable = GFP(rawValue: 1 << 3)        // __GFP_MOVABLE
    // Page mobility and placement.
    public static let reclaimable = GFP(rawValue: 1 << 4)    // __GFP_RECLAIMABLE
    public static let hardwall = GFP(rawValue: 1 << 5)       // __GFP_HARDWALL
    public static let account = GFP(rawValue: 1 << 6)        // __GFP_ACCOUNT
    // Watermark modifiers.
    public static let high = GFP(rawValue: 1 << 7)           // __GFP_HIGH
    public static let memalloc = GFP(rawValue: 1 << 8)       // __GFP_MEMALLOC
    public static let nomemalloc = GFP(rawValue: 1 << 9)     // __GFP_NOMEMALLOC
    // Reclaim modifiers.
    public static let io = GFP(rawValue: 1 << 10)            // __GFP_IO
    public static let fs = GFP(rawValue: 1 << 11)            // __GFP_FS
    public static let directReclaim = GFP(rawValue: 1 << 12) // __GFP_DIRECT_RECLAIM
    public static let kswapdReclaim = GFP(rawValue: 1 << 13) // __GFP_KSWAPD_RECLAIM
    public static let retryMayfail = GFP(rawValue: 1 << 14)  // __GFP_RETRY_MAYFAIL
    public static let nofail = GFP(rawValue: 1 << 15)        // __GFP_NOFAIL
    public static let noretry = GFP(rawValue: 1 << 16)       // __GFP_NORETRY
    // Action modifiers.
    public static let nowarn = GFP(rawValue: 1 << 17)        // __GFP_NOWARN
    public static let comp = GFP(rawValue: 1 << 18)          // __GFP_COMP
    public static let zero = GFP(rawValue: 1 << 19)          // __GFP_ZERO

    /// __GFP_RECLAIM: both direct and background reclaim.
    public static let reclaim: GFP = [.directReclaim, .kswapdReclaim]

    // The type flags callers use.
    public static let atomic: GFP = [.high, .kswapdReclaim]
    public static let kernel: GFP = [.reclaim, .io, .fs]
    public static let kernelAccount: GFP = [.kernel, .account]
    public static let nowait: GFP = [.kswapdReclaim, .nowarn]
    public static let noio: GFP = [.reclaim]
    public static let nofs: GFP = [.reclaim, .io]
    public static let user: GFP = [.reclaim, .io, .fs, .hardwall]
    public static let dmaType: GFP = .dma
    public static let dma32Type: GFP = .dma32
    public static let highuser: GFP = [.user, .highmem]
    public static let highuserMovable: GFP = [.highuser, .movable]

    /// gfpflags_allow_blocking: only direct reclaim makes a request one that may sleep.
    @inlinable public var allowsBlocking: Bool { contains(.directReclaim) }
}

/// The zones a request may use, highest first (gfp_zone picks the highest; lower zones are
/// the fallback).
public enum ZoneType: Int, CaseIterable, Sendable, Comparable {
    case dma = 0, dma32 = 1, normal = 2

    public static func < (a: ZoneType, b: ZoneType) -> Bool { a.rawValue < b.rawValue }

    public var name: String {
        switch self {
        case .dma: "DMA"
        case .dma32: "DMA32"
        case .normal: "Normal"
        }
    }
}

/// Page mobility groups of the buddy free lists.
public enum MigrateType: Int, CaseIterable, Sendable {
    case unmovable = 0, movable = 1, reclaimable = 2

    /// __rmqueue_fallback's order of the lists to steal from when a type's own lists are empty.
    @usableFromInline var fallbacks: (MigrateType, MigrateType) {
        switch self {
        case .unmovable: (.reclaimable, .movable)
        case .movable: (.reclaimable, .unmovable)
        case .reclaimable: (.unmovable, .movable)
        }
    }

    public var name: String {
        switch self {
        case .unmovable: "Unmovable"
        case .movable: "Movable"
        case .reclaimable: "Reclaimable"
        }
    }
}

extension GFP {
    /// gfp_zone: the highest zone this request may be served from. HIGHMEM and MOVABLE have
    /// no zone of their own on x86-64 and fall to Normal.
    @inlinable public var highestZone: ZoneType {
        if contains(.dma) { return .dma }
        if contains(.dma32) { return .dma32 }
        return .normal
    }

    /// gfp_migratetype: which free lists a request prefers.
    @inlinable public var migrateType: MigrateType {
        if contains(.movable) { return .movable }
        if contains(.reclaimable) { return .reclaimable }
        return .unmovable
    }
}
