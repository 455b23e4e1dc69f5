import CKMemShims
import Synchronization

/// A magazine (Bonwick) or sheaf (Linux): a stack of free object pointers with a fixed
/// capacity, cached per CPU and exchanged whole through the depot.
///
/// Raw layout, so that it can live in slab memory: struct kmem_magazine (CKMemShims.h),
/// [rounds][capacity][next][objects...], which the rseq sequences use too.
/// `rounds` and the objects belong to whoever holds the magazine (a CPU slot's holder or a
/// thread that popped it from a depot stack); `next` is the depot stack's link, atomic because
/// a popping thread may read the link of a magazine another thread is taking at that moment.
@usableFromInline
struct Magazine: Equatable {
    @inlinable static var headerSize: Int { KMEM_MAGAZINE_OBJECTS }
    @usableFromInline let raw: UnsafeMutableRawPointer

    @inlinable init(_ raw: UnsafeMutableRawPointer) { self.raw = raw }

    static func bytes(capacity: Int) -> Int { headerSize + capacity * MemoryLayout<UnsafeMutableRawPointer>.stride }
    static func capacity(objectSize: Int) -> Int { (objectSize - headerSize) / MemoryLayout<UnsafeMutableRawPointer>.stride }

    /// Formats fresh memory as an empty magazine.
    static func format(_ raw: UnsafeMutableRawPointer, capacity: Int) -> Magazine {
        raw.storeBytes(of: 0, toByteOffset: KMEM_MAGAZINE_ROUNDS, as: Int.self)
        raw.storeBytes(of: capacity, toByteOffset: KMEM_MAGAZINE_CAPACITY, as: Int.self)
        (raw + KMEM_MAGAZINE_NEXT).bindMemory(to: Atomic<UInt>.self, capacity: 1).initialize(to: Atomic(0))
        return Magazine(raw)
    }

    @inlinable var rounds: Int {
        get { raw.load(fromByteOffset: KMEM_MAGAZINE_ROUNDS, as: Int.self) }
        nonmutating set { raw.storeBytes(of: newValue, toByteOffset: KMEM_MAGAZINE_ROUNDS, as: Int.self) }
    }

    @inlinable var capacity: Int { raw.load(fromByteOffset: KMEM_MAGAZINE_CAPACITY, as: Int.self) }
    @inlinable var isFull: Bool { rounds >= capacity }
    @inlinable var isEmpty: Bool { rounds == 0 }

    @usableFromInline var next: UnsafeMutablePointer<Atomic<UInt>> {
        (raw + KMEM_MAGAZINE_NEXT).assumingMemoryBound(to: Atomic<UInt>.self)
    }

    @inlinable var objects: UnsafeMutablePointer<UnsafeMutableRawPointer> {
        (raw + Magazine.headerSize).assumingMemoryBound(to: UnsafeMutableRawPointer.self)
    }

    /// Takes the most recently freed object (cache-hot).
    @inlinable func pop() -> UnsafeMutableRawPointer {
        assert(rounds > 0, "pop from an empty magazine")
        let count = rounds - 1
        rounds = count
        return objects[count]
    }

    @inlinable func push(_ object: UnsafeMutableRawPointer) {
        assert(rounds < capacity, "push onto a full magazine")
        let count = rounds
        objects[count] = object
        rounds = count + 1
    }
}
