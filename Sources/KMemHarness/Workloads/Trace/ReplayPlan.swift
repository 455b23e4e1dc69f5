import KMem
import Synchronization

/// A trace turned into what the replay's workers run: per worker, a flat array of operations
/// in the trace's time order; one slot per allocation, through which a free finds its pointer
/// (and, on another worker, waits for it); the caches to create. Built before the timed
/// window, so the loop only reads arrays.
///
/// Traced CPU c replays on worker c mod threads; a worker that replays several CPUs takes
/// their events in global time order, so the order of every CPU's events is kept.
final class ReplayPlan: @unchecked Sendable {
    // Sendable: the op arrays are written here and only read by the workers; the slots are
    // atomics, each written by its allocating worker and the one freeing it.
    let ops: [UnsafeMutableBufferPointer<ReplayOp>]
    /// Per worker, the traced CPU of each of its operations (for the per-CPU figures, read
    /// after the run).
    let tracedCPU: [[Int32]]
    let slots: UnsafeMutablePointer<Atomic<UInt>>
    let slotCount: Int
    /// The caches to create, by index (`ReplayOp.amount` of cache ops).
    let caches: [(name: String, size: Int)]
    /// The engine's handles for `caches`, set once they are created.
    private(set) var handles: UnsafeMutablePointer<EngineHandle>
    /// Trace-level figures for the `workload_extra` column.
    let figures: [String: Double]

    struct Selection: OptionSet, Sendable {
        let rawValue: UInt8
        static let slab = Selection(rawValue: 1)
        static let pages = Selection(rawValue: 2)
    }

    init(_ trace: Trace, pairing: TracePairing, selection: Selection, threads: Int) {
        var builder = Builder(trace: trace, selection: selection, threads: threads)
        for position in pairing.order.indices { builder.add(position, pairing) }
        ops = builder.ops.map { list in
            let buffer = UnsafeMutableBufferPointer<ReplayOp>.allocate(capacity: list.count)
            _ = buffer.initialize(from: list)
            return buffer
        }
        tracedCPU = builder.tracedCPU
        slotCount = max(builder.slots, 1)
        slots = UnsafeMutableRawPointer.allocate(byteCount: slotCount * MemoryLayout<Atomic<UInt>>.stride,
                                                 alignment: MemoryLayout<Atomic<UInt>>.alignment)
            .bindMemory(to: Atomic<UInt>.self, capacity: slotCount)
        for index in 0..<slotCount { (slots + index).initialize(to: Atomic(ReplaySlot.pending)) }
        caches = builder.caches
        handles = .allocate(capacity: max(caches.count, 1))
        var figures = builder.figures
        let counts = pairing.counts
        figures["trace_events"] = Double(trace.eventCount)
        figures["trace_cpus"] = Double(trace.cpus.count)
        figures["pre_recording_frees"] = Double(counts.preRecordingFrees)
        figures["null_frees"] = Double(counts.nullFrees)
        figures["failed_in_kernel"] = Double(counts.failedAllocations)
        figures["trace_cross_cpu_free_share"] = counts.pairedFrees > 0 ? Double(counts.crossCPUFrees) / Double(counts.pairedFrees) : 0
        for (cpu, frees) in pairing.freesPerCPU.enumerated() {
            figures["cpu.\(cpu).events"] = Double(trace.cpus[cpu].count)
            figures["cpu.\(cpu).cross_cpu_free_share"] = frees.paired > 0 ? Double(frees.crossCPU) / Double(frees.paired) : 0
        }
        self.figures = figures
    }

    deinit {
        ops.forEach { $0.deallocate() }
        slots.deinitialize(count: slotCount)
        UnsafeMutableRawPointer(slots).deallocate()
        handles.deallocate()
    }

    func setHandles(_ created: [EngineHandle]) {
        for (index, handle) in created.enumerated() { (handles + index).initialize(to: handle) }
    }

    /// Operations one pass replays (trace events and the frees the kernel did not trace).
    var operationCount: Int { ops.reduce(0) { $0 + $1.count } }

    /// Builds the plan in the trace's global order.
    struct Builder {
        let trace: Trace
        let selection: Selection
        let threads: Int
        let start: UInt64
        var ops: [[ReplayOp]]
        var tracedCPU: [[Int32]]
        var slots = 0
        /// Per position in the global order: the slot its allocation filled, and the worker.
        var slotOf: [Int32]
        var ownerOf: [Int32] = []
        var allocationOfSlot: [ReplayOp] = []
        var caches: [(name: String, size: Int)] = []
        var cacheIndex: [String: Int32] = [:]
        var gfpCache: [UInt32: GFP] = [:]
        var figures: [String: Double] = ["replayed_events": 0, "implied_frees": 0, "not_replayed": 0]

        init(trace: Trace, selection: Selection, threads: Int) {
            self.trace = trace
            self.selection = selection
            self.threads = threads
            start = trace.timeSpan.start
            ops = Array(repeating: [], count: threads)
            tracedCPU = Array(repeating: [], count: threads)
            slotOf = Array(repeating: -1, count: trace.eventCount)
            if trace.cpus.count > threads { figures["folded_cpus"] = Double(trace.cpus.count - threads) }
        }

        mutating func add(_ position: Int, _ pairing: TracePairing) {
            let ref = pairing.order[position]
            let event = trace.cpus[Int(ref.cpu)][Int(ref.index)]
            let worker = Int(ref.cpu) % threads
            // zone_locked and pcpu_drain events are observations of the kernel, not requests.
            guard event.kind.isAllocation || event.kind.isFree else { return }
            guard selection.contains(event.kind.isPageEvent ? .pages : .slab) else {
                figures["not_replayed"]! += 1
                return
            }
            let time = event.timestamp - start
            let context = Self.context(event, gfp: gfp(event.gfp), hasContext: trace.hasContext)
            let linked = pairing.allocation[position]
            if event.kind.isFree {
                // Unpaired frees (before the recording, NULL) are counted by the pairing.
                guard linked >= 0 else { return }
                guard slotOf[Int(linked)] >= 0 else {
                    figures["not_replayed"]! += 1
                    return
                }
                appendFree(of: Int(slotOf[Int(linked)]), worker: worker, cpu: ref.cpu, time: time, context: context)
                count(context)
                return
            }
            guard event.address != 0 else { return }
            // The replaced object was freed without a trace event before this allocation.
            if linked >= 0, slotOf[Int(linked)] >= 0 {
                appendFree(of: Int(slotOf[Int(linked)]), worker: worker, cpu: ref.cpu, time: time, context: .process)
                figures["implied_frees"]! += 1
            }
            guard let op = allocation(event, time: time, context: context) else {
                figures["not_replayed"]! += 1
                return
            }
            slotOf[position] = Int32(slots)
            ownerOf.append(Int32(worker))
            allocationOfSlot.append(op)
            slots += 1
            ops[worker].append(op)
            tracedCPU[worker].append(ref.cpu)
            count(context)
        }

        mutating func count(_ context: ReplayOp.Context) {
            figures["replayed_events"]! += 1
            if context != .process { figures["interrupt_events", default: 0] += 1 }
        }

        mutating func appendFree(of slot: Int, worker: Int, cpu: Int32, time: UInt64, context: ReplayOp.Context) {
            let owner = Int(ownerOf[slot])
            ops[worker].append(allocationOfSlot[slot].free(time: time, context: context, waits: owner != worker))
            tracedCPU[worker].append(cpu)
        }

        /// The allocation as the engines take it; nil for what no engine can replay (a zero-byte
        /// kmalloc, an order beyond the model's).
        mutating func allocation(_ event: TraceEvent, time: UInt64, context: ReplayOp.Context) -> ReplayOp? {
            var op = ReplayOp(time: time, slot: Int32(slots), amount: 0, gfp: gfp(event.gfp).rawValue, kind: .kmalloc,
                              context: context, waits: false)
            switch event.kind {
            case .kmalloc:
                guard event.bytesRequested > 0, event.bytesRequested <= Int32.max else { return nil }
                op.amount = Int32(event.bytesRequested)
            case .cacheAlloc:
                guard event.bytesRequested > 0 else { return nil }
                op.kind = .cacheAlloc
                op.amount = cache(event)
            case .pageAlloc:
                guard Int(event.order) <= PageAllocator.maxOrder else { return nil }
                op.kind = .pageAlloc
                op.amount = Int32(event.order)
            default: return nil
            }
            return op
        }

        /// A cache per traced name, of the largest object size seen under it.
        mutating func cache(_ event: TraceEvent) -> Int32 {
            let name = TraceCacheUse.cacheName(event, trace)
            let size = Int(event.bytesRequested)
            if let index = cacheIndex[name] {
                caches[Int(index)].size = max(caches[Int(index)].size, size)
                return index
            }
            cacheIndex[name] = Int32(caches.count)
            caches.append((name, size))
            return Int32(caches.count - 1)
        }

        /// The traced flags as the model knows them; flags it lacks (__GFP_THISNODE,
        /// __GFP_WRITE, "none") are left out.
        mutating func gfp(_ index: UInt32) -> GFP {
            if let known = gfpCache[index] { return known }
            let flags = trace.string(index).split(separator: "|").reduce(into: GFP()) { flags, token in
                if let parsed = try? GFP(parsing: String(token)) { flags.formUnion(parsed) }
            }
            gfpCache[index] = flags
            return flags
        }

        /// Recorded context when the trace has it; without it (perf script), GFP_ATOMIC
        /// requests are replayed in softirq context, where most of them come from.
        static func context(_ event: TraceEvent, gfp: GFP, hasContext: Bool) -> ReplayOp.Context {
            if event.flags.contains(.nmi) { return .nmi }
            if event.flags.contains(.hardirq) { return .hardirq }
            if event.flags.contains(.softirq) { return .softirq }
            if !hasContext && event.kind.isAllocation && gfp.contains(.high) && !gfp.allowsBlocking { return .softirq }
            return .process
        }
    }
}
