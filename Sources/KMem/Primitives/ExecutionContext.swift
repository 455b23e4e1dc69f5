import CKMemShims

/// The context a thread runs in, as the kernel's preempt_count tells it.
public enum ExecutionContext: String, Sendable, CaseIterable {
    case process, softirq, hardirq, nmi
}

/// The calling thread's execution state: the model's `current`. The state is a C thread-local
/// (CKMemShims) because Swift has no cheap thread-locals; every field is private to its thread.
///
/// preempt_count layout, as in include/linux/preempt.h: bits 0-7 preemption depth (spinlocks
/// add to it), 8-15 softirq, 16-19 hardirq, 20-23 NMI.
public enum Current {
    @usableFromInline static let preemptShift: UInt32 = 0
    @usableFromInline static let softirqShift: UInt32 = 8
    @usableFromInline static let hardirqShift: UInt32 = 16
    @usableFromInline static let nmiShift: UInt32 = 20
    @usableFromInline static let preemptMask: UInt32 = 0xff
    @usableFromInline static let softirqMask: UInt32 = 0xff << 8
    @usableFromInline static let hardirqMask: UInt32 = 0xf << 16
    @usableFromInline static let nmiMask: UInt32 = 0xf << 20

    @inlinable static var task: UnsafeMutablePointer<kmem_task_state> { kmem_shim_current_task() }

    @inlinable public static var preemptCount: UInt32 { task.pointee.preempt_count }
    @inlinable public static var irqsDisabled: Bool { task.pointee.irqs_disabled != 0 }
    @inlinable public static var spinlockDepth: Int { Int(task.pointee.spinlock_depth) }

    @inlinable public static var inNMI: Bool { preemptCount & nmiMask != 0 }
    @inlinable public static var inHardirq: Bool { preemptCount & hardirqMask != 0 }
    @inlinable public static var inSoftirq: Bool { preemptCount & softirqMask != 0 }
    /// in_interrupt(): any of NMI, hardirq, softirq.
    @inlinable public static var inInterrupt: Bool { preemptCount & (nmiMask | hardirqMask | softirqMask) != 0 }
    /// in_atomic(): anything that forbids sleeping, including a held spinlock or disabled
    /// preemption.
    @inlinable public static var inAtomic: Bool { kmem_shim_in_atomic() != 0 }

    public static var context: ExecutionContext {
        if inNMI { return .nmi }
        if inHardirq { return .hardirq }
        if inSoftirq { return .softirq }
        return .process
    }

    // Entering and leaving contexts. Each enter must be matched by its exit on the same thread.

    @inlinable public static func preemptDisable() { task.pointee.preempt_count &+= 1 << preemptShift }
    @inlinable public static func preemptEnable() {
        precondition(preemptCount & preemptMask != 0, "preempt_enable without preempt_disable")
        task.pointee.preempt_count &-= 1 << preemptShift
    }

    public static func softirqEnter() { task.pointee.preempt_count &+= 1 << softirqShift }
    public static func softirqExit() {
        precondition(inSoftirq, "softirq exit outside softirq context")
        task.pointee.preempt_count &-= 1 << softirqShift
    }

    /// irq_enter: hardirq context runs with interrupts disabled, as on the kernel's entry path.
    public static func hardirqEnter() {
        task.pointee.preempt_count &+= 1 << hardirqShift
        task.pointee.irqs_disabled &+= 1
    }
    public static func hardirqExit() {
        precondition(inHardirq, "hardirq exit outside hardirq context")
        task.pointee.irqs_disabled &-= 1
        task.pointee.preempt_count &-= 1 << hardirqShift
    }

    public static func nmiEnter() { task.pointee.preempt_count &+= 1 << nmiShift }
    public static func nmiExit() {
        precondition(inNMI, "nmi exit outside NMI context")
        task.pointee.preempt_count &-= 1 << nmiShift
    }

    /// local_irq_disable / local_irq_enable, nesting.
    public static func localIrqDisable() { task.pointee.irqs_disabled &+= 1 }
    public static func localIrqEnable() {
        precondition(irqsDisabled, "local_irq_enable with interrupts enabled")
        task.pointee.irqs_disabled &-= 1
    }

    /// A spinlock holder runs with preemption disabled: in_atomic() holds until release.
    @inlinable static func spinlockAcquired() {
        task.pointee.preempt_count &+= 1 << preemptShift
        task.pointee.spinlock_depth &+= 1
    }
    @inlinable static func spinlockReleased() {
        task.pointee.spinlock_depth &-= 1
        task.pointee.preempt_count &-= 1 << preemptShift
    }

    /// Runs `body` in hardirq context on this thread (irq_enter ... irq_exit).
    public static func inHardirq<T>(_ body: () throws -> T) rethrows -> T {
        hardirqEnter()
        defer { hardirqExit() }
        return try body()
    }

    /// Runs `body` in softirq context on this thread.
    public static func inSoftirq<T>(_ body: () throws -> T) rethrows -> T {
        softirqEnter()
        defer { softirqExit() }
        return try body()
    }

    /// Runs `body` with preemption disabled.
    public static func withPreemptionDisabled<T>(_ body: () throws -> T) rethrows -> T {
        preemptDisable()
        defer { preemptEnable() }
        return try body()
    }

    /// The thread's id, as the kernel's messages print "pid".
    public static var pid: Int32 { kmem_shim_gettid() }

    /// The thread's name, as the kernel's messages print "name" (comm).
    public static var name: String {
        var buffer = [CChar](repeating: 0, count: 32)
        guard kmem_shim_thread_name(&buffer, buffer.count) == 0 else { return "?" }
        return String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) },
                      as: UTF8.self)
    }
}
