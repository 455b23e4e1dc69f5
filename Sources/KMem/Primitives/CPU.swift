import CKMemShims

/// Which CPU's per-CPU structures the calling thread uses.
public enum CPU {
    /// The CPU the thread runs on (rseq, about 2 ns), or the CPU it was bound to with
    /// `withCPU`. Only a hint: every per-CPU structure stays correct if the thread migrates
    /// between reading it and using the structure.
    @inlinable public static var current: Int {
        let bound = kmem_shim_current_task().pointee.pinned_cpu
        return bound >= 0 ? Int(bound) : Int(kmem_shim_current_cpu())
    }

    /// Runs `body` as if on `cpu`: lets tests and workloads model more CPUs than the machine
    /// has, or two contexts sharing one CPU. Nested bindings restore the outer one.
    public static func withCPU<T>(_ cpu: Int, _ body: () throws -> T) rethrows -> T {
        let task = kmem_shim_current_task()!
        let saved = task.pointee.pinned_cpu
        task.pointee.pinned_cpu = Int32(cpu)
        defer { task.pointee.pinned_cpu = saved }
        return try body()
    }

    /// CPUs of this machine.
    public static var configuredCount: Int { max(1, Int(kmem_shim_configured_cpus())) }

    /// Whether the thread's CPU number comes from rseq (fast) or sched_getcpu.
    public static var usesRseq: Bool { kmem_shim_rseq_available() != 0 }

    /// Pins the calling OS thread to a real CPU (sched affinity).
    public static func pinCurrentThread(to cpu: Int) throws(KMemError) {
        let rc = kmem_shim_pin_to_cpu(Int32(cpu))
        if rc != 0 { throw .system("cannot pin thread to CPU \(cpu): errno \(rc)") }
    }
}
