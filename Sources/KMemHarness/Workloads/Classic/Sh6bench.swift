/// `sh6bench`: MicroQuill's SmartHeap benchmark pattern, from its published description.
public struct Sh6bench: Workload {
    public static let info = WorkloadInfo(
        name: "sh6bench",
        pattern: "each thread per round allocates count blocks with sizes walking a table of random sizes "
            + "(min..max), frees every other block newest-first (LIFO), then the rest oldest-first",
        models: "LIFO and reverse-order frees of mixed sizes (mimalloc-bench sh6bench)",
        parameters: [smallest.schema, largest.schema, count.schema])

    static let smallest = Parameter.bytes("min", default: "1", 1...(1 << 20), "smallest block")
    static let largest = Parameter.bytes("max", default: "1000", 1...(1 << 20), "largest block")
    static let count = Parameter.integer("count", default: 500, 2...1_000_000, "blocks per round")

    let distribution: SizeDistribution
    let count: Int

    public init(_ values: ParameterValues) {
        let low = values[Self.smallest]
        distribution = .uniform(low...max(low, values[Self.largest]))
        count = values[Self.count]
    }

    public var requestKinds: RequestKinds { .objects }

    public func run<E: Engine>(on engine: E, _ context: WorkloadContext) {
        context.runThreads(engine) { [self] thread, driver in
            var random = context.random(stream: thread)
            let sizes = SizeTable(distribution, random: &random)
            let held = BlockArray(count: count)
            defer { sizes.deallocate(); held.deallocate() }
            var round = 0, position = 0
            while driver.more(round) {
                for index in 0..<count {
                    let size = sizes[position]
                    position &+= 1
                    held[index] = (driver.allocObject(size: size), size)
                }
                for index in stride(from: count - 1 - (count - 1) % 2, through: 0, by: -2) { freeSlot(held, index, &driver) }
                for index in stride(from: 1, to: count, by: 2) { freeSlot(held, index, &driver) }
                round &+= 1
            }
        }
    }

    @inline(__always)
    private func freeSlot<W>(_ held: BlockArray, _ index: Int, _ driver: inout Driver<W>) {
        if let block = held.blocks[index] { driver.freeObject(block, size: held.amounts[index]) }
    }
}
