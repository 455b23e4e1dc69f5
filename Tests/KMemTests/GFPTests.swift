import Testing
@testable import KMem

@Suite("GFP flags")
struct GFPTests {
    @Test("type flags are the kernel's bit combinations")
    func composites() {
        #expect(GFP.atomic == [.high, .kswapdReclaim])
        #expect(GFP.kernel == [.directReclaim, .kswapdReclaim, .io, .fs])
        #expect(GFP.nowait == [.kswapdReclaim, .nowarn])
        #expect(GFP.noio == .reclaim)
        #expect(GFP.nofs == [.reclaim, .io])
        #expect(GFP.highuserMovable.contains([.user, .highmem, .movable]))
        #expect(GFP.kernel.allowsBlocking)
        #expect(!GFP.atomic.allowsBlocking && !GFP.nowait.allowsBlocking)
    }

    @Test("printed as the kernel prints them", arguments: [
        (GFP.kernel, "GFP_KERNEL"),
        (GFP.kernel.union(.zero), "GFP_KERNEL|__GFP_ZERO"),
        (GFP.atomic.union(.nowarn), "GFP_ATOMIC|__GFP_NOWARN"),
        (GFP.nowait, "GFP_NOWAIT"),
        (GFP.kernelAccount, "GFP_KERNEL_ACCOUNT"),
        (GFP.highuserMovable, "GFP_HIGHUSER_MOVABLE"),
        (GFP.kernel.union(.dma), "GFP_KERNEL|GFP_DMA"),
        (GFP([.high, .comp]), "__GFP_HIGH|__GFP_COMP"),
        (GFP(), "0"),
    ])
    func description(flags: GFP, text: String) throws {
        #expect(flags.description == text)
        #expect(try GFP(parsing: text) == flags)
    }

    @Test("every single bit round-trips through text")
    func roundTrip() throws {
        for bit in 0..<20 {
            let flags = GFP(rawValue: 1 << bit)
            #expect(try GFP(parsing: flags.description) == flags, "bit \(bit): \(flags)")
        }
        let everything = GFP(rawValue: (1 << 20) - 1)
        #expect(try GFP(parsing: everything.description) == everything)
        #expect(try GFP(parsing: " GFP_KERNEL | __GFP_ZERO ") == GFP.kernel.union(.zero))
        #expect(try GFP(parsing: "__GFP_RECLAIM") == .reclaim)
    }

    @Test("unknown or empty names are errors that name them")
    func badNames() {
        #expect(throws: GFPParseError(text: "GFP_KERNAL", token: "GFP_KERNAL")) { try GFP(parsing: "GFP_KERNAL") }
        #expect(throws: GFPParseError(text: "GFP_KERNEL||__GFP_ZERO", token: "")) { try GFP(parsing: "GFP_KERNEL||__GFP_ZERO") }
        let message = GFPParseError(text: "x", token: "x").description
        #expect(message.contains("unknown GFP flag 'x'") && message.contains("GFP_KERNEL"))
    }

    @Test("zone and migratetype selection")
    func zoneSelection() {
        #expect(GFP.kernel.highestZone == .normal)
        #expect(GFP.kernel.union(.dma32).highestZone == .dma32)
        #expect(GFP.kernel.union(.dma).highestZone == .dma)
        #expect(GFP.highuserMovable.highestZone == .normal)
        #expect(GFP.highuserMovable.migrateType == .movable)
        #expect(GFP.kernel.union(.reclaimable).migrateType == .reclaimable)
        #expect(GFP.kernel.migrateType == .unmovable)
    }

    @Test("memalloc_noio/nofs scopes strip IO and FS, nest, and restore")
    func scopes() {
        #expect(MemallocScope.effective(.kernel) == .kernel)
        let outer = MemallocScope.nofsSave()
        #expect(MemallocScope.effective(.kernel) == [.reclaim, .io])
        let inner = MemallocScope.noioSave()
        #expect(MemallocScope.effective(.kernel) == .reclaim)
        MemallocScope.noioRestore(inner)
        #expect(MemallocScope.effective(.kernel) == [.reclaim, .io])
        MemallocScope.nofsRestore(outer)
        #expect(MemallocScope.effective(.kernel) == .kernel)
        #expect(MemallocScope.effective(.atomic) == .atomic)
    }
}
