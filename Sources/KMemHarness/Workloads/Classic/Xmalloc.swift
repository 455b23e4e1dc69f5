/// `xmalloc`: every thread allocates for its neighbour and frees what its other neighbour
/// allocated, from the published description of xmalloc-test.
public struct Xmalloc: Workload {
    public static let info = WorkloadInfo(
        name: "xmalloc",
        pattern: "threads form a ring: each round a thread allocates batch blocks of random sizes (min..max), "
            + "passes them to the next thread, and frees what the previous thread passed to it; with one "
            + "thread it passes to itself (no remote frees)",
        models: "producer/consumer allocation where every free is cross-thread (mimalloc-bench xmalloc-test)",
        parameters: [smallest.schema, largest.schema, batch.schema])

    static let smallest = Parameter.bytes("min", default: "16", 1...(1 << 20), "smallest block")
    static let largest = Parameter.bytes("max", default: "256", 1...(1 << 20), "largest block")
    static let batch = Parameter.integer("batch", default: 64, 1...65536, "blocks passed per round")

    let distribution: SizeDistribution
    let batch: Int

    public init(_ values: ParameterValues) {
        let low = values[Self.smallest]
        distribution = .uniform(low...max(low, values[Self.largest]))
        batch = values[Self.batch]
    }

    public var requestKinds: RequestKinds { .objects }

    public func run<E: Engine>(on engine: E, _ context: WorkloadContext) {
        // Ring t carries blocks from thread t to thread t+1.
        let threads = context.threads
        let rings = (0..<threads).map { _ in HandoffRing(capacity: 4 * batch) }
        context.runThreads(engine) { [self] thread, driver in
            var random = context.random(stream: thread)
            let sizes = SizeTable(distribution, random: &random)
            defer { sizes.deallocate() }
            let output = rings[thread], input = rings[(thread + threads - 1) % threads]
            let remote = threads > 1
            var round = 0
            while driver.more(round) {
                for _ in 0..<batch {
                    let size = sizes.draw(&random)
                    guard let block = driver.allocObject(size: size) else { continue }
                    // A full output means the neighbour lags: free own input meanwhile.
                    while !output.push(block, amount: size) { input.drainAvailable(&driver, kind: .objects, remote: remote) }
                }
                input.drainAvailable(&driver, kind: .objects, remote: remote)
                round &+= 1
            }
            output.close()
            input.drainUntilClosed(&driver, kind: .objects, remote: remote)
        }
    }
}
