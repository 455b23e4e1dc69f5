import Synchronization

/// A lock-free LIFO of magazines (a Treiber stack): the depot's full and empty lists. A pop
/// never waits, so any context may use it. The head carries a tag that every update bumps,
/// so a magazine that is popped, reused and pushed back between another thread's read of the
/// head and its compare-exchange cannot fool it (the ABA problem).
@usableFromInline
struct MagazineStack: ~Copyable {
    /// Magazines on the stack (exact when quiescent, may lag by the number of racing updates).
    let count = Atomic<Int>(0)
    /// The lowest `count` in this working-set interval (illumos' ml_min), and in the one before
    /// (ml_reaplimit).
    let lowWater = Atomic<Int>(0)
    let reapLimit = Atomic<Int>(0)
    /// Failed compare-exchanges: the depot's contention, which Bonwick grows magazines on.
    let contention = Atomic<Int>(0)
    let head = Atomic<WordPair>(WordPair(first: 0, second: 0))

    init() {}

    func push(_ magazine: Magazine) {
        // A 128-bit load is itself a cmpxchg16b: read once, then reuse what a failed
        // compare-exchange hands back.
        var current = head.load(ordering: .relaxed)
        while true {
            magazine.next.pointee.store(current.first, ordering: .relaxed)
            let desired = WordPair(first: UInt(bitPattern: magazine.raw), second: current.second &+ 1)
            let (exchanged, original) = head.compareExchange(expected: current, desired: desired,
                                                              ordering: .acquiringAndReleasing)
            if exchanged { break }
            contention.wrappingAdd(1, ordering: .relaxed)
            current = original
        }
        count.wrappingAdd(1, ordering: .relaxed)
    }

    func pop() -> Magazine? {
        var current = head.load(ordering: .acquiring)
        while true {
            guard let top = UnsafeMutableRawPointer(bitPattern: current.first) else { return nil }
            let next = Magazine(top).next.pointee.load(ordering: .relaxed)
            let desired = WordPair(first: next, second: current.second &+ 1)
            let (exchanged, original) = head.compareExchange(expected: current, desired: desired,
                                                              ordering: .acquiringAndReleasing)
            if exchanged {
                let remaining = count.wrappingSubtract(1, ordering: .relaxed).newValue
                _ = lowWater.min(remaining, ordering: .relaxed)
                return Magazine(top)
            }
            contention.wrappingAdd(1, ordering: .relaxed)
            current = original
        }
    }

    /// kmem_depot_ws_update: the interval that ended sets the reap limit; a new one starts.
    func updateWorkingSet() {
        reapLimit.store(lowWater.exchange(count.load(ordering: .relaxed), ordering: .relaxed), ordering: .relaxed)
    }

    /// kmem_depot_ws_reap's count: magazines unused throughout the last two intervals (popping
    /// them lowers the low water, so a second reap right after finds none).
    var reapable: Int { min(reapLimit.load(ordering: .relaxed), lowWater.load(ordering: .relaxed)) }
}
