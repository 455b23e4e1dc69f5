import CKMemShims
import Histogram
import KMem

/// `netrx`: a network receive path under load. Process context runs flat out (its own object
/// churn, and the frees of the buffers its socket delivers) while a timer interrupt allocates
/// packet buffers with GFP_ATOMIC at a fixed rate, so what is measured is the allocator under
/// both: process-context throughput, the interrupt handler's allocation latency (every one
/// timed), and the buffers dropped.
public struct NetRx: Workload {
    public static let info = WorkloadInfo(
        name: "netrx",
        pattern: "process context runs at full load: each thread allocates and frees a process_size object "
            + "(kmalloc/malloc, first byte written) per round and frees the buffers its socket queue delivers; "
            + "an interrupt source at rate per second allocates burst buffers in hardirq context (GFP_ATOMIC, each "
            + "allocation timed) as model CPU threads (CPU 0 when the engine has no more CPUs) and queues them; the "
            + "softirq it raises (on CPU 0) frees softirq_share of them and passes the rest round-robin to the "
            + "threads' sockets. One operation: any allocation or free in any context; a buffer that cannot be "
            + "allocated or queued is a drop. workload_extra: process_ops, irq_allocs and irq_alloc_p50/p99/p999/"
            + "max_ns (exact, every handler allocation inside the timed window); headline: irq_alloc_p99_ns",
        models: "NIC receive on a busy machine: napi_alloc_skb/page_pool refills in interrupt context, kfree_skb in "
            + "NET_RX softirq and in recvmsg on another CPU, beside the tasks' own allocations",
        parameters: [BlockKind.parameter.schema, size.schema, order.schema, processSize.schema, rate.schema,
                     burst.schema, softirqShare.schema, ring.schema],
        headline: .figure("irq_alloc_p99_ns"))

    static let size = Parameter.bytes("size", default: "2048", 1...(1 << 20), "buffer size (kind=objects)")
    static let order = Parameter.integer("order", default: 0, 0...3, "buffer order (kind=pages)")
    static let processSize = Parameter.bytes("process_size", default: "256", 1...(1 << 20),
        "object size of the process context's own allocations")
    static let rate = Parameter.number("rate", default: 20000, 1...1_000_000, "interrupts per second")
    static let burst = Parameter.integer("burst", default: 16, 1...4096, "buffers per interrupt")
    static let softirqShare = Parameter.number("softirq_share", default: 0.5, 0...1, "share of buffers freed in softirq")
    static let ring = Parameter.integer("ring", default: 4096, 2...1 << 20, "receive and socket queue length")

    let kind: BlockKind
    let amount: Int
    let processBytes: Int
    let rate: Double
    let burst: Int
    let softirqShare: Double
    let ringCapacity: Int

    public init(_ values: ParameterValues) {
        kind = values[BlockKind.parameter]
        amount = kind == .pages ? values[Self.order] : values[Self.size]
        processBytes = values[Self.processSize]
        rate = values[Self.rate]
        burst = values[Self.burst]
        softirqShare = values[Self.softirqShare]
        ringCapacity = values[Self.ring]
    }

    public var requestKinds: RequestKinds { kind.requestKinds.union(.objects) }
    public var largestObject: Int? { kind == .pages ? processBytes : max(amount, processBytes) }

    public func run<E: Engine>(on engine: E, _ context: WorkloadContext) {
        let receive = HandoffRing(capacity: ringCapacity)
        let sockets = (0..<context.threads).map { _ in HandoffRing(capacity: ringCapacity) }
        let softirqState = ContextState(random: context.random(stream: context.threads))
        let handler = HandlerLatency()
        let plan = InterruptPlan<E>(
            rate: rate, cpu: context.threads, softirqCPU: 0,
            hardirq: { [self] driver, _ in receiveBurst(&driver, into: receive, timing: handler) },
            softirq: { [self] driver in deliver(&driver, from: receive, to: sockets, softirqState) })
        context.runThreads(engine, interrupts: [plan]) { [kind, processBytes] thread, driver in
            let socket = sockets[thread]
            var round = 0
            while driver.more(round) {
                while let entry = socket.pop() { driver.free(kind, entry.block, entry.amount, remote: true) }
                if let object = driver.allocObject(size: processBytes) {
                    driver.write(UInt8(1), to: object)
                    driver.freeObject(object, size: processBytes)
                }
                round &+= 1
            }
            // The last buffers the interrupts deliver.
            while !context.control.interruptsFinished {
                if let entry = socket.pop() { driver.free(kind, entry.block, entry.amount, remote: true) } else { sched_yield() }
            }
            socket.drainAvailable(&driver, kind: kind, remote: true)
            context.addFigures(["process_ops": Double(driver.windowCounters.operations)])
        }
        context.addFigures(handler.figures)
    }

    /// Hardirq: refill the receive queue with GFP_ATOMIC buffers, timing every allocation.
    private func receiveBurst<W>(_ driver: inout Driver<W>, into receive: HandoffRing, timing handler: HandlerLatency) {
        for _ in 0..<burst {
            guard !receive.isFull else {
                driver.noteDrop()
                continue
            }
            let start = kmem_shim_monotonic_ns()
            let buffer = driver.allocate(kind, amount, gfp: .atomic)
            if driver.isCounting { handler.record(kmem_shim_monotonic_ns() &- start) }
            guard let buffer else {
                driver.noteDrop()
                continue
            }
            _ = receive.push(buffer, amount: amount)
        }
    }

    /// Softirq: consume some buffers here, queue the rest to the sockets.
    private func deliver<W>(_ driver: inout Driver<W>, from receive: HandoffRing, to sockets: [HandoffRing],
                            _ state: ContextState) {
        while let entry = receive.pop() {
            let socket = sockets[state.next % sockets.count]
            state.next &+= 1
            if state.random.unit() < softirqShare || !socket.push(entry.block, amount: entry.amount) {
                driver.free(kind, entry.block, entry.amount, remote: true)
            }
        }
    }
}

/// Every hardirq allocation's latency, exact (not sampled): the handler's serial queue is
/// the only writer, and the figures are read once the source has stopped.
final class HandlerLatency: @unchecked Sendable {
    private var histogram = Histogram<UInt64>(highestTrackableValue: LatencySampler.highestTrackable,
                                              numberOfSignificantValueDigits: .three)

    func record(_ nanoseconds: UInt64) { _ = histogram.record(min(nanoseconds, LatencySampler.highestTrackable)) }

    var figures: [String: Double] {
        let count = histogram.totalCount
        func at(_ percentile: Double) -> Double { count == 0 ? 0 : Double(histogram.valueAtPercentile(percentile)) }
        return ["irq_allocs": Double(count), "irq_alloc_p50_ns": at(50), "irq_alloc_p99_ns": at(99),
                "irq_alloc_p999_ns": at(99.9), "irq_alloc_max_ns": count == 0 ? 0 : Double(histogram.max)]
    }
}

/// Mutable state of one interrupt context (its random stream, a round-robin cursor).
final class ContextState: @unchecked Sendable {
    // Sendable: used only by the one serial queue its context runs on.
    var random: Random
    var next = 0
    init(random: Random) { self.random = random }
}
