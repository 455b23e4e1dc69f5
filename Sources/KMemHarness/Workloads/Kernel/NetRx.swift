import CKMemShims
import KMem

/// `netrx`: a network receive path. A timer interrupt allocates packet buffers with
/// GFP_ATOMIC; softirq and process context free them on other CPUs.
public struct NetRx: Workload {
    public static let info = WorkloadInfo(
        name: "netrx",
        pattern: "an interrupt source at rate per second allocates burst buffers in hardirq context (GFP_ATOMIC) "
            + "as model CPU threads and queues them; the softirq it raises (on CPU 0) frees softirq_share of them "
            + "and passes the rest round-robin to the process-context threads (CPUs 0..threads-1), which free them. "
            + "A buffer that cannot be allocated or queued is a drop; one round = one interrupt",
        models: "NIC receive: napi_alloc_skb/page_pool refills in interrupt context, kfree_skb in NET_RX softirq "
            + "and in recvmsg on another CPU",
        parameters: [BlockKind.parameter.schema, size.schema, order.schema, rate.schema, burst.schema,
                     softirqShare.schema, ring.schema])

    static let size = Parameter.bytes("size", default: "2048", 1...(1 << 20), "buffer size (kind=objects)")
    static let order = Parameter.integer("order", default: 0, 0...3, "buffer order (kind=pages)")
    static let rate = Parameter.number("rate", default: 20000, 1...1_000_000, "interrupts per second")
    static let burst = Parameter.integer("burst", default: 16, 1...4096, "buffers per interrupt")
    static let softirqShare = Parameter.number("softirq_share", default: 0.5, 0...1, "share of buffers freed in softirq")
    static let ring = Parameter.integer("ring", default: 4096, 2...1 << 20, "receive and socket queue length")

    let kind: BlockKind
    let amount: Int
    let rate: Double
    let burst: Int
    let softirqShare: Double
    let ringCapacity: Int

    public init(_ values: ParameterValues) {
        kind = values[BlockKind.parameter]
        amount = kind == .pages ? values[Self.order] : values[Self.size]
        rate = values[Self.rate]
        burst = values[Self.burst]
        softirqShare = values[Self.softirqShare]
        ringCapacity = values[Self.ring]
    }

    public var requestKinds: RequestKinds { kind.requestKinds }

    public func run<E: Engine>(on engine: E, _ context: WorkloadContext) {
        let receive = HandoffRing(capacity: ringCapacity)
        let sockets = (0..<context.threads).map { _ in HandoffRing(capacity: ringCapacity) }
        let softirqState = ContextState(random: context.random(stream: context.threads))
        let plan = InterruptPlan<E>(
            rate: rate, cpu: context.threads, softirqCPU: 0,
            hardirq: { [self] driver, _ in receiveBurst(&driver, into: receive) },
            softirq: { [self] driver in deliver(&driver, from: receive, to: sockets, softirqState) })
        context.runThreads(engine, interrupts: [plan]) { [kind] thread, driver in
            let socket = sockets[thread]
            while !context.control.interruptsFinished {
                if let entry = socket.pop() { driver.free(kind, entry.block, entry.amount, remote: true) } else { sched_yield() }
            }
            socket.drainAvailable(&driver, kind: kind, remote: true)
        }
    }

    /// Hardirq: refill the receive queue with GFP_ATOMIC buffers.
    private func receiveBurst<W>(_ driver: inout Driver<W>, into receive: HandoffRing) {
        for _ in 0..<burst {
            guard !receive.isFull, let buffer = driver.allocate(kind, amount, gfp: .atomic) else {
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

/// Mutable state of one interrupt context (its random stream, a round-robin cursor).
final class ContextState: @unchecked Sendable {
    // Sendable: used only by the one serial queue its context runs on.
    var random: Random
    var next = 0
    init(random: Random) { self.random = random }
}
