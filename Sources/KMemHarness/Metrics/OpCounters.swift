/// What one driver (a thread or an interrupt context) did, summed per cell.
public struct OpCounters: Codable, Sendable, Equatable {
    public var allocations = 0
    public var frees = 0
    /// Allocation calls that returned nil.
    public var failures = 0
    /// Failed allocations that were not allowed to sleep (GFP_ATOMIC and the like).
    public var atomicFailures = 0
    /// Frees of a block another thread or context allocated.
    public var remoteFrees = 0
    /// Work dropped without an allocation (a full receive ring, for example).
    public var drops = 0
    /// Bytes of allocated blocks the workload itself wrote or read (Driver.write, read, fill).
    public var touchedBytes = 0

    public init() {}

    /// Operations as the CSV counts them: every allocation that succeeded and every free. A failed
    /// allocation is no operation (how fast an engine fails is not its speed): `alloc_failures`.
    public var operations: Int { allocations + frees }

    public static func + (a: OpCounters, b: OpCounters) -> OpCounters { a.combined(with: b, +) }
    public static func - (a: OpCounters, b: OpCounters) -> OpCounters { a.combined(with: b, -) }

    private func combined(with other: OpCounters, _ operation: (Int, Int) -> Int) -> OpCounters {
        var result = OpCounters()
        result.allocations = operation(allocations, other.allocations)
        result.frees = operation(frees, other.frees)
        result.failures = operation(failures, other.failures)
        result.atomicFailures = operation(atomicFailures, other.atomicFailures)
        result.remoteFrees = operation(remoteFrees, other.remoteFrees)
        result.drops = operation(drops, other.drops)
        result.touchedBytes = operation(touchedBytes, other.touchedBytes)
        return result
    }
}
