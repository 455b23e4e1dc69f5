import CKMemShims
import Synchronization

/// What a shrinker is asked to do (struct shrink_control).
public struct ShrinkControl: Sendable {
    /// The flags of the allocation that triggered reclaim: a shrinker that needs IO or FS
    /// must do nothing without them.
    public let gfp: GFP
    /// Objects to scan in this call.
    public let nrToScan: Int
}

/// A cache that can give memory back under pressure (struct shrinker): slab caches, a
/// workload's reclaimable LRU.
public protocol Shrinker: AnyObject, Sendable {
    var name: String { get }
    /// count_objects: how many objects could be freed now.
    func countObjects(_ control: ShrinkControl) -> Int
    /// scan_objects: free up to nrToScan objects, returning how many were freed.
    func scanObjects(_ control: ShrinkControl) -> Int
}

/// Registered shrinkers or OOM victims. Only contexts that may block (reclaim, the OOM path)
/// walk them, so a sleeping lock is right here.
final class Registry<Element: Sendable>: Sendable {
    private let items = LockedValue<[Element]>([])

    func register(_ item: Element) { items.withLock { $0.append(item) } }

    func unregister(_ item: AnyObject) { items.withLock { $0.removeAll { ($0 as AnyObject) === item } } }

    var all: [Element] { items.withLock { $0 } }
}

extension PageAllocator {
    /// DEF_PRIORITY: reclaim starts by scanning 1/4096 of each cache and doubles per round.
    static let defaultPriority = 12
    /// SWAP_CLUSTER_MAX: pages one direct-reclaim call aims to free.
    static let reclaimClusterPages = 32
    /// SHRINK_BATCH.
    static let shrinkBatch = 128

    /// register_shrinker.
    public func registerShrinker(_ shrinker: any Shrinker) { shrinkers.register(shrinker) }

    /// unregister_shrinker.
    public func unregisterShrinker(_ shrinker: any Shrinker) { shrinkers.unregister(shrinker) }

    /// Objects the shrinkers could free now (should_reclaim_retry's "is anything reclaimable").
    func reclaimableEstimate(_ gfp: GFP) -> Int {
        shrinkers.all.reduce(0) { $0 + $1.countObjects(ShrinkControl(gfp: gfp, nrToScan: 0)) }
    }

    /// shrink_slab at one priority: each shrinker scans (freeable >> priority) * 2 objects
    /// (4 / DEFAULT_SEEKS), in batches of SHRINK_BATCH.
    func shrinkSlab(_ gfp: GFP, priority: Int) {
        for shrinker in shrinkers.all {
            let freeable = shrinker.countObjects(ShrinkControl(gfp: gfp, nrToScan: 0))
            guard freeable > 0 else { continue }
            var toScan = min(freeable, max(1, (freeable >> priority) * 2))
            while toScan > 0 {
                let batch = min(toScan, PageAllocator.shrinkBatch)
                let freed = shrinker.scanObjects(ShrinkControl(gfp: gfp, nrToScan: batch))
                events.count(.slabsScanned, by: batch)
                toScan -= batch
                if freed == 0 { break }
            }
        }
    }

    /// Runs `body` as a reclaiming thread (PF_MEMALLOC with a reclaim_state): its own
    /// allocations may use the reserves and never recurse into reclaim, and the pages it frees
    /// are counted. Returns the pages freed.
    func asReclaimer(_ body: () -> Void) -> Int {
        let task = kmem_shim_current_task()!
        let outer = task.pointee.in_reclaim
        let before = task.pointee.reclaimed_pages
        task.pointee.in_reclaim = 1
        body()
        task.pointee.in_reclaim = outer
        return Int(task.pointee.reclaimed_pages &- before)
    }

    /// try_to_free_pages, as __alloc_pages_direct_reclaim runs it in the allocating thread:
    /// shrink at rising priority until SWAP_CLUSTER_MAX pages are freed. Returns whether
    /// anything was freed (progress).
    func directReclaim(_ gfp: GFP, order: Int) -> Bool {
        events.count(.allocStalls)
        let target = max(PageAllocator.reclaimClusterPages, 1 << order)
        let freed = asReclaimer {
            var reclaimed = 0
            for priority in stride(from: PageAllocator.defaultPriority, through: 0, by: -1) {
                let before = Int(kmem_shim_current_task().pointee.reclaimed_pages)
                shrinkSlab(gfp, priority: priority)
                reclaimed += Int(kmem_shim_current_task().pointee.reclaimed_pages) - before
                if reclaimed >= target { break }
            }
        }
        events.count(.directReclaimedPages, by: freed)
        return freed > 0
    }
}
