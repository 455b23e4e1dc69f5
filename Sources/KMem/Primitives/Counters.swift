import Synchronization

/// A fixed set of relaxed atomic counters indexed by an enum's cases, for slow-path events
/// (an array of Atomic is not possible: Atomic is not copyable).
@usableFromInline
final class Counters<Event: CaseIterable & RawRepresentable>: @unchecked Sendable where Event.RawValue == Int {
    // Sendable: the storage is only ever touched through atomic operations.
    private let storage: UnsafeMutablePointer<Atomic<Int>>
    private let count: Int

    init() {
        count = Event.allCases.count
        storage = .allocate(capacity: count)
        for index in 0..<count { (storage + index).initialize(to: Atomic(0)) }
    }

    deinit {
        storage.deinitialize(count: count)
        storage.deallocate()
    }

    @usableFromInline func count(_ event: Event, by amount: Int = 1) {
        storage[event.rawValue].wrappingAdd(amount, ordering: .relaxed)
    }

    subscript(_ event: Event) -> Int { storage[event.rawValue].load(ordering: .relaxed) }
}
