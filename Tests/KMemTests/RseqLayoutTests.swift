import CKMemShims
import Testing
@testable import KMem

/// The per-CPU block and the magazine (sheaf) header are declared once, in CKMemShims.h; the
/// rseq assembly takes their offsets as operands and the header pins them with static
/// asserts. These check that the Swift side lays its types out as the C structs say.
@Suite("one layout for Swift and the rseq assembly") struct RseqLayoutTests {
    @Test("the constants Swift and the assembly use are the C structs' offsets and sizes")
    func constants() {
        typealias Block = MemoryLayout<kmem_cpu_block>
        typealias Header = MemoryLayout<kmem_magazine>
        #expect(Block.size == 1 << KmemCache.cpuBlockShift)
        #expect(Block.offset(of: \.slot) == KMEM_CPU_BLOCK_SLOT)
        #expect(Block.offset(of: \.loaded) == KMEM_CPU_BLOCK_MAGAZINES)
        #expect(Header.offset(of: \.rounds) == KMEM_MAGAZINE_ROUNDS)
        #expect(Header.offset(of: \.capacity) == KMEM_MAGAZINE_CAPACITY)
        #expect(Header.offset(of: \.next) == KMEM_MAGAZINE_NEXT)
        #expect(Magazine.headerSize == Header.size && Magazine.bytes(capacity: 4) == Header.size + 4 * 8)
        // CPUMagazines is the block after its slot: loaded, previous, four event counters.
        #expect(MemoryLayout<CPUMagazines>.size == Block.offset(of: \.events)! + 4 * 8 - KMEM_CPU_BLOCK_MAGAZINES)
        #expect(MemoryLayout<Magazine>.size == MemoryLayout<UnsafeMutableRawPointer>.size)
    }

    @Test("a live cache's blocks and magazines read the same through the C structs as through Swift",
          arguments: [PerCPUDesign.bonwick, .sheaves])
    func liveCache(design: PerCPUDesign) throws {
        var configuration = Kernel.Configuration()
        configuration.pages.memorySize = 64 << 20
        configuration.pages.kswapd = false
        configuration.slab.design = design
        configuration.slab.reapInterval = nil
        let kernel = try Kernel(configuration)
        let cache = try kernel.slab.kmemCacheCreate("layout", size: 64)
        let objects = try (0..<100).map { _ in try #require(kernel.slab.kmemCacheAlloc(cache, .kernel)) }
        for object in objects { try kernel.slab.kmemCacheFree(cache, object) }
        let blocks = try #require(cache.cpuBlocks)
        var rounds = 0
        for cpu in 0..<cache.cpus {
            let block = (blocks + cpu << KmemCache.cpuBlockShift).assumingMemoryBound(to: kmem_cpu_block.self)
            let swift = cache.magazines(blocks, cpu: cpu)
            #expect(block.pointee.slot == UnsafeMutableRawPointer(swift), "cpu \(cpu): the slot holds the magazines' address")
            #expect(block.pointee.loaded == swift.pointee.loaded.raw)
            #expect(block.pointee.previous == swift.pointee.previous.raw)
            for (c, magazine) in [(block.pointee.loaded, swift.pointee.loaded), (block.pointee.previous, swift.pointee.previous)] {
                let header = try #require(c).assumingMemoryBound(to: kmem_magazine.self).pointee
                #expect(Int(header.rounds) == magazine.rounds && Int(header.capacity) == magazine.capacity)
                rounds += magazine.rounds
            }
            #expect(Int(block.pointee.events.1) == swift.pointee.frees.load(ordering: .relaxed))
        }
        #expect(rounds > 0, "the frees went to the magazines")
        kernel.slab.kmemCacheShrink(cache)
        try kernel.slab.kmemCacheDestroy(cache)
    }
}
