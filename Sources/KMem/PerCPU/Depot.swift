import Synchronization

/// The depot of one node: full and empty magazines shared by all CPUs, each list capped.
/// Bonwick's depot has no hard caps (its working-set reaping trims it); Linux's barn holds at
/// most 10 full and 10 empty sheaves. Both are this structure with different caps.
@usableFromInline
struct Depot: ~Copyable {
    let full = MagazineStack()
    let empty = MagazineStack()
    let fullCap: Atomic<Int>
    let emptyCap: Atomic<Int>
    /// Magazines traded between a CPU and the depot.
    let exchanges = Atomic<Int>(0)

    init(fullCap: Int, emptyCap: Int) {
        self.fullCap = Atomic(fullCap)
        self.emptyCap = Atomic(emptyCap)
    }

    var hasRoomForFull: Bool { full.count.load(ordering: .relaxed) < fullCap.load(ordering: .relaxed) }
    var hasRoomForEmpty: Bool { empty.count.load(ordering: .relaxed) < emptyCap.load(ordering: .relaxed) }

    var contention: Int {
        full.contention.load(ordering: .relaxed) + empty.contention.load(ordering: .relaxed)
    }
}
