import Foundation
import KMem
import Synchronization

/// The exercise behind `inspect`: two threads churn orders 0-6 through GFP_KERNEL,
/// GFP_HIGHUSER_MOVABLE and hardirq GFP_ATOMIC, keeping a quarter of what they take so the
/// free lists show fragmentation; then a cache of pages fills memory past the low watermark
/// so that kswapd and direct reclaim shrink it.
struct PageExercise {
    let allocator: PageAllocator

    /// A cache of pages that reclaim can shrink.
    final class PageCache: Shrinker, @unchecked Sendable {
        // The pfn list is guarded by its Mutex; the allocator is thread-safe.
        let name = "inspect-page-cache"
        let allocator: PageAllocator
        let pfns = LockedValue<[Int]>([])
        init(allocator: PageAllocator) { self.allocator = allocator }

        func countObjects(_ control: ShrinkControl) -> Int { pfns.withLock { $0.count } }

        func scanObjects(_ control: ShrinkControl) -> Int {
            let victims = pfns.withLock { list in
                let taken = Array(list.suffix(control.nrToScan))
                list.removeLast(taken.count)
                return taken
            }
            for pfn in victims { try? allocator.freePages(allocator.memory.page(pfn), order: 0) }
            return victims.count
        }
    }

    func run() throws {
        let cache = PageCache(allocator: allocator)
        allocator.registerShrinker(cache)
        let group = DispatchGroup()
        for worker in 0..<2 {
            DispatchQueue(label: "inspect-\(worker)").async(group: group) { [allocator] in
                let budget = allocator.memory.pageCount / 8
                var keptPages = 0
                for step in 0..<4000 {
                    let order = step % 11 == 0 ? 4 + step % 3 : step % 4
                    let page: PagePointer?
                    switch step % 5 {
                    case 0: page = Current.inHardirq { allocator.allocPages(.atomic.union(.nowarn), order: order) }
                    case 1, 2: page = allocator.allocPages(.highuserMovable.union(.nowarn), order: order)
                    default: page = allocator.allocPages(.kernel.union(.nowarn), order: order)
                    }
                    guard let page else { continue }
                    if step % 4 == 0 && keptPages < budget {
                        keptPages += 1 << order // stays allocated: fragmentation to look at
                    } else {
                        try? allocator.freePages(page, order: order)
                    }
                }
            }
        }
        group.wait()
        // A page cache grows by more than all free memory: kswapd shrinks it in the background
        // and, when it cannot keep up, the allocating thread reclaims directly.
        for _ in 0..<(allocator.freePagesTotal * 11 / 10) {
            guard let page = allocator.allocPages(.kernel.union(.nowarn), order: 0) else { break }
            cache.pfns.withLock { $0.append(allocator.pfn(of: page)) }
        }
        Thread.sleep(forTimeInterval: 0.2) // let kswapd finish its pass
        allocator.unregisterShrinker(cache)
    }
}
