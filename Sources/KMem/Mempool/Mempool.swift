import Synchronization

/// mempool: a reserve of `minNr` preallocated elements in front of an allocator, so that a
/// caller that can block always makes progress (it gets an element, or waits for one to be
/// freed back), and one that cannot still gets the reserve.
///
/// Invariants kept under `lock` (a spinlock: the reserve is used from interrupts): the
/// reserve holds `available` <= `minNr` distinct elements, each handed out by the source and
/// not by the pool; `available` and `minimum` mirror the counts for lock-free reads.
public final class Mempool<Source: MempoolSource>: @unchecked Sendable {
    // Sendable: `elements` is touched only under `lock`; the counts are atomic.
    public let source: Source
    let lock = SpinLock()
    var elements: UnsafeMutablePointer<Source.Element>
    let available = Atomic<Int>(0)
    let minimum: Atomic<Int>
    /// Sleepers waiting for the reserve; frees that refill it wake them.
    let wait: WaitQueue
    let sleepCheck: SleepCheck
    let events = Counters<MempoolEvent>()

    /// mempool_create / mempool_init: preallocates `minNr` elements with `gfp`; nil when the
    /// source cannot supply them all (what it did supply goes back). `minNr` below 1 throws.
    public init?(minNr: Int, source: Source, sleepCheck: SleepCheck, gfp: GFP = .kernel) throws(KMemError) {
        guard minNr >= 1 else { throw .invalidMinNr(minNr) }
        self.source = source
        self.sleepCheck = sleepCheck
        minimum = Atomic(minNr)
        elements = .allocate(capacity: minNr)
        wait = WaitQueue(name: "mempool", sleepCheck: sleepCheck)
        while available.load(ordering: .relaxed) < minNr {
            guard let element = source.alloc(gfp) else { return nil }
            // Not yet shared, but the reserve's invariants are the lock's, as everywhere else.
            lock.lock()
            add(element)
            lock.unlock()
        }
    }

    /// mempool_create_page_pool.
    public static func createPagePool(minNr: Int, order: Int,
                                      allocator: PageAllocator) throws(KMemError) -> Mempool<PagePoolSource>? {
        try Mempool<PagePoolSource>(minNr: minNr, source: PagePoolSource(allocator: allocator, order: order),
                                    sleepCheck: allocator.sleepCheck)
    }

    deinit {
        destroy()
        elements.deallocate()
    }

    /// mempool_destroy: the reserve goes back to the source. The pool stays usable, as a
    /// pass-through with no reserve.
    public func destroy() {
        lock.lock()
        minimum.store(0, ordering: .relaxed)
        var drained: [Source.Element] = []
        while available.load(ordering: .relaxed) > 0 { drained.append(remove()) }
        lock.unlock()
        for element in drained { source.free(element) }
    }

    public var minNr: Int { minimum.load(ordering: .relaxed) }
    /// curr_nr: elements in the reserve now.
    public var currNr: Int { available.load(ordering: .relaxed) }

    public var statistics: MempoolStatistics {
        MempoolStatistics(minNr: minNr, currNr: currNr,
                          fromReserve: events[.fromReserve], waits: events[.waits], failures: events[.failures],
                          refills: events[.refills])
    }

    // MARK: the reserve (lock held)

    /// add_element.
    func add(_ element: Source.Element) {
        lock.assertHeld()
        let count = available.load(ordering: .relaxed)
        (elements + count).initialize(to: element)
        available.store(count + 1, ordering: .relaxed)
    }

    /// remove_element.
    func remove() -> Source.Element {
        lock.assertHeld()
        let count = available.load(ordering: .relaxed) - 1
        available.store(count, ordering: .relaxed)
        return (elements + count).move()
    }
}

enum MempoolEvent: Int, CaseIterable {
    case fromReserve, waits, failures, refills
}

/// Where a pool's elements came from.
public struct MempoolStatistics: Sendable, Equatable {
    public var minNr: Int
    public var currNr: Int
    public var fromReserve: Int
    /// Sleeps on the pool's wait queue.
    public var waits: Int
    /// Nil results (callers that could not block, with the reserve empty).
    public var failures: Int
    /// Frees that went into the reserve.
    public var refills: Int
}
