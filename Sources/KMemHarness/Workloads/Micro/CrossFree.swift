/// `cross-free`: producer threads allocate, consumer threads on other CPUs free.
public struct CrossFree: Workload {
    public static let info = WorkloadInfo(
        name: "cross-free",
        pattern: "threads pair up: even thread 2k allocates one block per round and passes it through a ring to "
            + "thread 2k+1 (another CPU), which frees it; every free is remote",
        models: "objects freed on another CPU than they came from (network buffers, RCU callbacks): the "
            + "remote-free path of per-CPU caches",
        parameters: [BlockKind.parameter.schema, size.schema, order.schema, ring.schema])

    static let size = Parameter.bytes("size", default: "64", 1...(1 << 30), "object size (kind=objects)")
    static let order = Parameter.integer("order", default: 0, 0...10, "page order (kind=pages)")
    static let ring = Parameter.integer("ring", default: 1024, 2...1 << 20, "blocks in flight per pair at most")

    let kind: BlockKind
    let amount: Int
    let ringCapacity: Int

    public init(_ values: ParameterValues) {
        kind = values[BlockKind.parameter]
        amount = kind == .pages ? values[Self.order] : values[Self.size]
        ringCapacity = values[Self.ring]
    }

    public var requestKinds: RequestKinds { kind.requestKinds }
    public var largestObject: Int? { kind == .pages ? nil : amount }
    public var minimumThreads: Int { 2 }

    public func run<E: Engine>(on engine: E, _ context: WorkloadContext) {
        let rings = (0..<context.threads / 2).map { _ in HandoffRing(capacity: ringCapacity) }
        context.runThreads(engine) { [kind, amount] thread, driver in
            // An odd thread out has no partner: it idles rather than change the pattern.
            guard thread / 2 < rings.count else { return }
            let ring = rings[thread / 2]
            guard thread % 2 == 0 else { return ring.drainUntilClosed(&driver, kind: kind, remote: true) }
            let control = context.control
            var round = 0
            while driver.more(round) {
                guard let block = driver.allocate(kind, amount) else { round &+= 1; continue }
                while !ring.push(block, amount: amount) {
                    if control.isStopped { driver.free(kind, block, amount); break }
                }
                round &+= 1
            }
            ring.close()
        }
    }
}
