/// A trace read as one history: every event in global time order, each free paired with the
/// allocation it frees (same pointer, or same page frame, still live). The replay builds its
/// operations from this, and `trace info` prints its counts.
///
/// Pairing in time order makes the dependency the replay keeps acyclic: an allocation always
/// comes before its free in the global order, and each CPU's events keep theirs.
public struct TracePairing: Sendable {
    /// One event: its CPU and its index in that CPU's array.
    public struct Ref: Hashable, Sendable {
        public var cpu: Int32
        public var index: Int32
    }

    /// Every event, in time order (ties: lower CPU first).
    public let order: [Ref]
    /// Per position in `order`: for a free, the position of the allocation it frees; for an
    /// allocation, the position of the live allocation of the same address it replaces (whose
    /// free the kernel did not trace: kfree_rcu batches, bulk frees, lost events); else -1.
    public let allocation: [Int32]
    public let counts: Counts
    /// Per traced CPU: the frees on it paired with an allocation, and those of another CPU's.
    public let freesPerCPU: [(paired: Int, crossCPU: Int)]

    public struct Counts: Sendable, Equatable {
        /// Frees paired with an allocation in the trace.
        public var pairedFrees = 0
        /// Paired frees on another CPU than the allocation's.
        public var crossCPUFrees = 0
        /// Frees of objects allocated before the recording began (or of pages split from a
        /// larger block): nothing to pair with, so the replay skips them.
        public var preRecordingFrees = 0
        /// kfree(NULL) and the like: recorded, but no free happens.
        public var nullFrees = 0
        /// Allocations that failed in the kernel (a NULL pointer or page frame 0).
        public var failedAllocations = 0
        /// Allocations of a pointer already live: its free was not recorded (lost events).
        public var unrecordedFrees = 0
        /// Allocations still live at the end of the recording.
        public var liveAtEnd = 0
        /// Page frees whose order differs from their allocation's (the allocation's is used).
        public var orderMismatches = 0
    }

    public init(_ trace: Trace) {
        order = Self.globalOrder(trace)
        var allocation = [Int32](repeating: -1, count: order.count)
        var counts = Counts()
        var freesPerCPU = [(paired: Int, crossCPU: Int)](repeating: (0, 0), count: trace.cpus.count)
        var live = (slab: [UInt64: Int32](), pages: [UInt64: Int32]())
        for (position, ref) in order.enumerated() {
            let event = trace.cpus[Int(ref.cpu)][Int(ref.index)]
            guard event.kind.isAllocation || event.kind.isFree else { continue }
            let pages = event.kind.isPageEvent
            if event.address == 0 {
                if event.kind.isAllocation { counts.failedAllocations += 1 } else { counts.nullFrees += 1 }
                continue
            }
            if event.kind.isAllocation {
                let previous = pages ? live.pages.updateValue(Int32(position), forKey: event.address)
                    : live.slab.updateValue(Int32(position), forKey: event.address)
                if let previous {
                    allocation[position] = previous
                    counts.unrecordedFrees += 1
                }
                continue
            }
            guard let allocated = pages ? live.pages.removeValue(forKey: event.address)
                                        : live.slab.removeValue(forKey: event.address) else {
                counts.preRecordingFrees += 1
                continue
            }
            allocation[position] = allocated
            counts.pairedFrees += 1
            freesPerCPU[Int(ref.cpu)].paired += 1
            let origin = order[Int(allocated)]
            if origin.cpu != ref.cpu {
                counts.crossCPUFrees += 1
                freesPerCPU[Int(ref.cpu)].crossCPU += 1
            }
            if pages && event.kind == .pageFree && trace.cpus[Int(origin.cpu)][Int(origin.index)].order != event.order {
                counts.orderMismatches += 1
            }
        }
        counts.liveAtEnd = live.slab.count + live.pages.count
        self.allocation = allocation
        self.counts = counts
        self.freesPerCPU = freesPerCPU
    }

    /// A merge of the CPUs' arrays by timestamp.
    static func globalOrder(_ trace: Trace) -> [Ref] {
        var next = [Int](repeating: 0, count: trace.cpus.count)
        var order: [Ref] = []
        order.reserveCapacity(trace.eventCount)
        while true {
            var best = -1
            var bestTime = UInt64.max
            for cpu in trace.cpus.indices where next[cpu] < trace.cpus[cpu].count {
                let time = trace.cpus[cpu][next[cpu]].timestamp
                if time < bestTime { best = cpu; bestTime = time }
            }
            guard best >= 0 else { return order }
            order.append(Ref(cpu: Int32(best), index: Int32(next[best])))
            next[best] += 1
        }
    }
}
