import Foundation
import KMem

/// What the property tests run against: one kernel with two caches and two mempools (a slab
/// pool and a page pool), and a pointer no allocator handed out.
final class PropertyFixture: @unchecked Sendable {
    // Sendable: immutable after init; the kernel and pools are thread-safe.
    let kernel: Kernel
    let caches: [KmemCache]
    let slabPool: Mempool<SlabPoolSource>
    let pagePool: Mempool<PagePoolSource>
    let foreign = UnsafeMutableRawPointer.allocate(byteCount: 64, alignment: 16)

    init(design: PerCPUDesign) throws {
        kernel = try makeKernel(design: design, memory: 64 << 20, hardenedFreeCheck: true)
        caches = [try kernel.slab.kmemCacheCreate("prop_40", size: 40), try kernel.slab.kmemCacheCreate("prop_700", size: 700)]
        slabPool = try Mempool<SlabPoolSource>.createSlabPool(minNr: 4, cache: try kernel.slab.kmemCacheCreate("prop_pool", size: 96),
                                                              slab: kernel.slab)!
        pagePool = try Mempool<PagePoolSource>.createPagePool(minNr: 2, order: 0, allocator: kernel.pages)!
    }

    deinit { foreign.deallocate() }
}

/// The reference model of one thread: what it holds live, with the byte pattern written into
/// each allocation when it was made. Records every disagreement with the kernel as a problem
/// (the tests check them on the test's task; issues cannot be recorded from other threads).
final class ReferenceModel {
    enum Kind {
        case kmalloc(size: Int), cache(Int), pages(order: Int), vmalloc(pages: Int), pool(Int), percpu(PercpuPointer)
    }

    struct Allocation {
        let kind: Kind
        let pointer: UnsafeMutableRawPointer
        let length: Int
        let tag: UInt8
    }

    let fixture: PropertyFixture
    /// The other threads share the kernel: a freed object may be handed to one of them at once,
    /// so a double free is no longer a free of a free object.
    let sharesKernel: Bool
    private(set) var live: [Allocation] = []
    private(set) var problems: [String] = []
    private var nextTag: UInt8

    init(_ fixture: PropertyFixture, thread: Int, sharesKernel: Bool) {
        self.fixture = fixture
        self.sharesKernel = sharesKernel
        nextTag = UInt8(truncatingIfNeeded: 1 + thread * 101)
    }

    var kernel: Kernel { fixture.kernel }

    // MARK: allocations

    /// Records a new allocation: it must not overlap anything live, and gets its pattern.
    func record(_ kind: Kind, _ pointer: UnsafeMutableRawPointer?, length: Int, by step: String) {
        guard let pointer else { return } // allowed to fail (atomic requests under pressure)
        let range = UInt(bitPattern: pointer)..<UInt(bitPattern: pointer) + UInt(length)
        if let other = live.first(where: { range.overlaps(UInt(bitPattern: $0.pointer)..<UInt(bitPattern: $0.pointer) + UInt($0.length)) }) {
            problems.append("\(step) returned \(pointer), overlapping a live allocation at \(other.pointer) (\(other.length) bytes)")
        }
        nextTag = nextTag &+ 1
        pointer.initializeMemory(as: UInt8.self, repeating: nextTag, count: length)
        live.append(Allocation(kind: kind, pointer: pointer, length: length, tag: nextTag))
    }

    /// The allocation's bytes are still its pattern.
    func checkContents(_ allocation: Allocation, _ when: String) {
        let bytes = UnsafeRawBufferPointer(start: allocation.pointer, count: allocation.length)
        if let offset = bytes.firstIndex(where: { $0 != allocation.tag }) {
            problems.append("\(when): \(allocation.kind) at \(allocation.pointer) changed at byte \(offset) "
                            + "(\(bytes[offset]), written \(allocation.tag))")
        }
    }

    func note(_ problem: String) { problems.append(problem) }

    /// Takes the `target`-th live allocation (modulo), or nil with nothing live.
    func take(_ target: Int) -> Allocation? {
        guard !live.isEmpty else { return nil }
        return live.remove(at: target % live.count)
    }

    func peek(_ target: Int, where matches: (Allocation) -> Bool) -> Allocation? {
        let candidates = live.filter(matches)
        return candidates.isEmpty ? nil : candidates[target % candidates.count]
    }

    // MARK: the audit's claims

    /// Adds this thread's live allocations to `claims`, as the audit counts them.
    func addClaims(to claims: inout AuditClaims, objects: inout [ObjectIdentifier: (KmemCache, Int)]) {
        func object(in cache: KmemCache) { objects[ObjectIdentifier(cache), default: (cache, 0)].1 += 1 }
        for allocation in live {
            switch allocation.kind {
            case .kmalloc(let size):
                if let cache = kernel.slab.kmallocCache(for: size) { object(in: cache) } else { claims.largeKmallocs! += 1 }
            case .cache(let index): object(in: fixture.caches[index])
            case .pages(let order): claims.pages! += 1 << order
            case .vmalloc: claims.vmallocAreas! += 1
            case .pool(0): object(in: fixture.slabPool.source.cache)
            case .pool: claims.pages! += 1
            case .percpu: claims.percpuAreas! += 1
            }
        }
    }
}
