/// `pair`: the fast path. Each thread allocates one block and frees it at once, in a loop.
public struct Pair: Workload {
    public static let info = WorkloadInfo(
        name: "pair",
        pattern: "each thread: allocate one block, free it, repeat (one round = 2 operations)",
        models: "the allocation fast path: a per-CPU cache hit followed by the free that refills it",
        parameters: [
            BlockKind.parameter,
            ParameterSchema("size", default: "64", .bytes(1...(1 << 30)), "object size (kind=objects)"),
            ParameterSchema("order", default: "0", .integer(0...10), "page order (kind=pages)"),
        ])

    let kind: BlockKind
    let amount: Int

    public init(_ values: ParameterValues) {
        kind = BlockKind(rawValue: values.string("kind"))!
        amount = kind == .pages ? values.int("order") : values.int("size")
    }

    public var requestKinds: RequestKinds { kind.requestKinds }

    public func run<E: Engine>(on engine: E, _ context: WorkloadContext) {
        context.runThreads(engine) { [kind, amount] _, driver in
            let control = context.control
            var round = 0
            while control.more(round) {
                if let block = driver.allocate(kind, amount) { driver.free(kind, block, amount) }
                round &+= 1
            }
        }
    }
}
