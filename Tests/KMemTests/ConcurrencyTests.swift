import Foundation
import Synchronization
import Testing
@testable import KMem

/// Who owns each pfn, set by the test on allocation and cleared before free: a page handed
/// out twice finds its slot taken.
final class Ownership: @unchecked Sendable {
    // Only atomics are touched after init.
    let owners: UnsafeMutablePointer<Atomic<Int>>
    let count: Int
    init(count: Int) {
        self.count = count
        owners = .allocate(capacity: count)
        for index in 0..<count { (owners + index).initialize(to: Atomic(0)) }
    }
    deinit { owners.deinitialize(count: count); owners.deallocate() }

    func claim(_ pfn: Int, pages: Int, owner: Int) -> Bool {
        (pfn..<pfn + pages).allSatisfy { owners[$0].exchange(owner, ordering: .relaxed) == 0 }
    }
    func release(_ pfn: Int, pages: Int, owner: Int) -> Bool {
        (pfn..<pfn + pages).allSatisfy { owners[$0].exchange(0, ordering: .relaxed) == owner }
    }
}

@Suite("Concurrency", .serialized)
struct ConcurrencyTests {
    @Test("threads allocating and freeing (some in hardirq, some freeing others' pages): no page lost or handed out twice")
    func noDoubleHandout() throws {
        let allocator = try makeAllocator(kswapd: true)
        let ownership = Ownership(count: allocator.memory.pageCount)
        let failures = SharedInt(0)
        let threads = 4
        let exchange = HeldPages()
        onThreads(threads) { thread in
            var random = SeededGenerator(seed: UInt64(thread + 1))
            var held: [(Int, Int)] = []
            let owner = thread + 1
            for step in 0..<20_000 {
                let cpu = Int.random(in: 0..<2, using: &random)
                CPU.withCPU(cpu) {
                    if held.count < 200 && (held.isEmpty || Bool.random(using: &random)) {
                        let order = [0, 0, 0, 1, 2, 3, 5].randomElement(using: &random)!
                        let page = step % 7 == 0
                            ? Current.inHardirq { allocator.allocPages(.atomic.union(.nowarn), order: order) }
                            : allocator.allocPages(.kernel.union(.nowarn), order: order)
                        guard let page else { return }
                        let pfn = allocator.pfn(of: page)
                        if !ownership.claim(pfn, pages: 1 << order, owner: owner) { failures.value.add(1, ordering: .relaxed) }
                        allocator.pageAddress(page).storeBytes(of: owner, as: Int.self)
                        held.append((pfn, order))
                    } else if let (pfn, order) = held.popLast() {
                        if allocator.memory.address(ofPfn: pfn).load(as: Int.self) != owner { failures.value.add(1, ordering: .relaxed) }
                        if step % 5 == 0 {
                            exchange.add(pfn, order: order) // another thread frees it
                        } else {
                            if !ownership.release(pfn, pages: 1 << order, owner: owner) { failures.value.add(1, ordering: .relaxed) }
                            try! allocator.freePages(allocator.memory.page(pfn), order: order)
                        }
                    }
                }
                if step % 64 == 0 {
                    for (pfn, order) in exchange.takeAll() {
                        let previous = allocator.memory.address(ofPfn: pfn).load(as: Int.self)
                        if !ownership.release(pfn, pages: 1 << order, owner: previous) { failures.value.add(1, ordering: .relaxed) }
                        try! allocator.freePages(allocator.memory.page(pfn), order: order)
                    }
                }
            }
            for (pfn, order) in held {
                _ = ownership.release(pfn, pages: 1 << order, owner: owner)
                try! allocator.freePages(allocator.memory.page(pfn), order: order)
            }
        }
        for (pfn, order) in exchange.takeAll() {
            let previous = allocator.memory.address(ofPfn: pfn).load(as: Int.self)
            #expect(ownership.release(pfn, pages: 1 << order, owner: previous))
            try allocator.freePages(allocator.memory.page(pfn), order: order)
        }
        #expect(failures.value.load(ordering: .relaxed) == 0)
        #expect(allocator.sleepCheck.violations == 0)
        #expect(allocator.checkConsistency() == [])
        #expect(allocator.isPristine)
    }

    @Test("racing double frees: exactly one of two frees of a page succeeds")
    func racingDoubleFree() throws {
        let allocator = try makeAllocator()
        for _ in 0..<200 {
            let page = try #require(allocator.allocPages(.kernel, order: 0))
            let pfn = allocator.pfn(of: page)
            let successes = SharedInt(0)
            onThreads(2) { _ in
                if (try? allocator.freePages(allocator.memory.page(pfn), order: 0)) != nil {
                    successes.value.add(1, ordering: .relaxed)
                }
            }
            #expect(successes.value.load(ordering: .relaxed) == 1)
        }
        #expect(allocator.isPristine)
    }
}
