/// Get-free-pages flags: how an allocation may behave (which zones, how hard to try, whether
/// it may sleep). Bits and composites follow include/linux/gfp_types.h; raw values are ours.
/// The flags are computed, not stored: a stored composite is a lazily initialised global, and
/// every use from another module paid a swift_once (measured with callgrind: one per `pair`
/// round, from the harness's `gfp: GFP = .kernel`).
public struct GFP: OptionSet, Hashable, Sendable {
    public let rawValue: UInt32
    @inlinable public init(rawValue: UInt32) { self.rawValue = rawValue }

    // Zone modifiers.
    @inlinable public static var dma: GFP { GFP(rawValue: 1 << 0) } // __GFP_DMA
    @inlinable public static var highmem: GFP { GFP(rawValue: 1 << 1) } // __GFP_HIGHMEM
    @inlinable public static var dma32: GFP { GFP(rawValue: 1 << 2) } // __GFP_DMA32
    @inlinable public static var movable: GFP { GFP(rawValue: 1 << 3) } // __GFP_MOVABLE
    // Page mobility and placement.
    @inlinable public static var reclaimable: GFP { GFP(rawValue: 1 << 4) } // __GFP_RECLAIMABLE
    @inlinable public static var hardwall: GFP { GFP(rawValue: 1 << 5) } // __GFP_HARDWALL
    @inlinable public static var account: GFP { GFP(rawValue: 1 << 6) } // __GFP_ACCOUNT
    // Watermark modifiers.
    @inlinable public static var high: GFP { GFP(rawValue: 1 << 7) } // __GFP_HIGH
    @inlinable public static var memalloc: GFP { GFP(rawValue: 1 << 8) } // __GFP_MEMALLOC
    @inlinable public static var nomemalloc: GFP { GFP(rawValue: 1 << 9) } // __GFP_NOMEMALLOC
    // Reclaim modifiers.
    @inlinable public static var io: GFP { GFP(rawValue: 1 << 10) } // __GFP_IO
    @inlinable public static var fs: GFP { GFP(rawValue: 1 << 11) } // __GFP_FS
    @inlinable public static var directReclaim: GFP { GFP(rawValue: 1 << 12) } // __GFP_DIRECT_RECLAIM
    @inlinable public static var kswapdReclaim: GFP { GFP(rawValue: 1 << 13) } // __GFP_KSWAPD_RECLAIM
    @inlinable public static var retryMayfail: GFP { GFP(rawValue: 1 << 14) } // __GFP_RETRY_MAYFAIL
    @inlinable public static var nofail: GFP { GFP(rawValue: 1 << 15) } // __GFP_NOFAIL
    @inlinable public static var noretry: GFP { GFP(rawValue: 1 << 16) } // __GFP_NORETRY
    // Action modifiers.
    @inlinable public static var nowarn: GFP { GFP(rawValue: 1 << 17) } // __GFP_NOWARN
    @inlinable public static var comp: GFP { GFP(rawValue: 1 << 18) } // __GFP_COMP
    @inlinable public static var zero: GFP { GFP(rawValue: 1 << 19) } // __GFP_ZERO

    /// __GFP_RECLAIM: both direct and background reclaim.
    @inlinable public static var reclaim: GFP { GFP(rawValue: directReclaim.rawValue | kswapdReclaim.rawValue) }

    // The type flags callers use.
    @inlinable public static var atomic: GFP { GFP(rawValue: high.rawValue | kswapdReclaim.rawValue) }
    @inlinable public static var kernel: GFP { GFP(rawValue: reclaim.rawValue | io.rawValue | fs.rawValue) }
    @inlinable public static var kernelAccount: GFP { GFP(rawValue: kernel.rawValue | account.rawValue) }
    @inlinable public static var nowait: GFP { GFP(rawValue: kswapdReclaim.rawValue | nowarn.rawValue) }
    @inlinable public static var noio: GFP { GFP(rawValue: reclaim.rawValue) }
    @inlinable public static var nofs: GFP { GFP(rawValue: reclaim.rawValue | io.rawValue) }
    @inlinable public static var user: GFP { GFP(rawValue: reclaim.rawValue | io.rawValue | fs.rawValue | hardwall.rawValue) }
    @inlinable public static var dmaType: GFP { .dma }
    @inlinable public static var dma32Type: GFP { .dma32 }
    @inlinable public static var highuser: GFP { GFP(rawValue: user.rawValue | highmem.rawValue) }
    @inlinable public static var highuserMovable: GFP { GFP(rawValue: highuser.rawValue | movable.rawValue) }

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
