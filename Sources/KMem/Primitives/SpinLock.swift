import CKMemShims
import Synchronization

/// The kernel's spinlock: never sleeps, so it may be taken from any context, and holding it
/// makes the holder atomic (in_atomic() is true until release, as with preemption disabled).
/// A waiter spins with a CPU pause, then yields its time slice: a user-space holder can be
/// descheduled, which a kernel holder with preemption off cannot.
@usableFromInline
struct SpinLock: ~Copyable {
    @usableFromInline let word = Atomic<UInt32>(0)

    @usableFromInline init() {}

    @inlinable func lock() {
        Current.spinlockAcquired()
        if word.compareExchange(expected: 0, desired: 1, ordering: .acquiring).exchanged { return }
        lockContended()
    }

    @usableFromInline func lockContended() {
        var spins = 0
        while true {
            if word.load(ordering: .relaxed) == 0,
               word.compareExchange(expected: 0, desired: 1, ordering: .acquiring).exchanged {
                return
            }
            spins += 1
            if spins < 128 { kmem_shim_cpu_relax() } else { sched_yield() }
        }
    }

    /// spin_trylock: never waits.
    @inlinable func tryLock() -> Bool {
        guard word.compareExchange(expected: 0, desired: 1, ordering: .acquiring).exchanged else {
            return false
        }
        Current.spinlockAcquired()
        return true
    }

    @inlinable func unlock() {
        word.store(0, ordering: .releasing)
        Current.spinlockReleased()
    }

    @inlinable var isLocked: Bool { word.load(ordering: .relaxed) != 0 }

    /// Debug builds: traps unless the lock is held and the caller holds a spinlock. The lock
    /// keeps no owner (that would cost every acquisition a store), so this catches a caller
    /// that forgot the lock, not one that took a different lock. Compiled out of release.
    @inlinable func assertHeld(file: StaticString = #fileID, line: UInt = #line) {
        assert(isLocked && Current.spinlockDepth > 0, "lock not held", file: file, line: line)
    }
}
