import Foundation
@testable import KMem
import Synchronization

/// Small machines for tests, with no vmstat worker (tests decay pcp high themselves): 64 MiB
/// split into the three zones (DMA 16 MiB, DMA32 16 MiB,
/// Normal 32 MiB) unless a test asks for one zone.
func makeAllocator(memory: Int = 64 << 20, dmaLimit: Int = 16 << 20, dma32Limit: Int = 32 << 20,
                   cpus: Int = 2, pcpBatch: Int? = nil, pcpHigh: Int? = nil,
                   kswapd: Bool = false) throws -> PageAllocator {
    var configuration = PageAllocator.Configuration()
    configuration.memorySize = memory
    configuration.dmaLimit = dmaLimit
    configuration.dma32Limit = dma32Limit
    configuration.cpus = cpus
    configuration.pcpBatch = pcpBatch
    configuration.pcpHigh = pcpHigh
    configuration.kswapd = kswapd
    configuration.statInterval = nil
    return try PageAllocator(configuration)
}

/// One zone (all of memory is ZONE_DMA), pcp lists that hold nothing: every page the test
/// frees is back in the zone's free count at once.
func makeSingleZoneAllocator(kswapd: Bool = false) throws -> PageAllocator {
    try makeAllocator(memory: 64 << 20, dmaLimit: 64 << 20, dma32Limit: 64 << 20,
                      pcpBatch: 1, pcpHigh: 0, kswapd: kswapd)
}

/// Runs `body(index)` on `count` OS threads and waits for all of them.
func onThreads(_ count: Int, _ body: @escaping @Sendable (Int) -> Void) {
    let done = DispatchSemaphore(value: 0)
    for index in 0..<count {
        let thread = Thread {
            body(index)
            done.signal()
        }
        thread.start()
    }
    for _ in 0..<count { done.wait() }
}

/// A deterministic generator (SplitMix64) so failing sequences replay.
typealias SeededGenerator = SeededRandom

/// Pages the tests hold, by pfn (a page pointer is not Sendable).
final class HeldPages: Sendable {
    let pfns = LockedValue<[(pfn: Int, order: Int)]>([])
    func add(_ pfn: Int, order: Int) { pfns.withLock { $0.append((pfn, order)) } }
    func takeAll() -> [(pfn: Int, order: Int)] { pfns.withLock { let all = $0; $0 = []; return all } }
    var count: Int { pfns.withLock { $0.count } }
}

extension PageAllocator {
    /// NR_FREE_PAGES of one zone.
    func freePages(in type: ZoneType) -> Int { zone(type).pointee.freePages.load(ordering: .relaxed) }

    /// Takes order-0 pages straight from one zone's free lists (no watermarks, no fallback to
    /// other zones) until its free count is `target`.
    func drainZone(_ type: ZoneType, to target: Int, holding held: HeldPages) {
        while freePages(in: type) > target {
            guard let pfn = rmqueueBuddy(zone(type), order: 0, type: .unmovable) else { break }
            held.add(self.pfn(of: prepNewPage(pfn, order: 0, gfp: [])), order: 0)
        }
    }

    func freeAll(_ held: HeldPages) throws {
        for (pfn, order) in held.takeAll() { try freePages(memory.page(pfn), order: order) }
    }

    /// Every page is free again and in maximal blocks: the state of a fresh allocator.
    var isPristine: Bool {
        drainAllPages()
        let stats = statistics()
        return stats.freePages == memory.pageCount && checkConsistency().isEmpty
    }
}

/// An atomic integer that escaping closures can share.
final class SharedInt: Sendable {
    let value: Atomic<Int>
    init(_ initial: Int) { value = Atomic(initial) }
}
