/// `glibc-thread`: glibc's bench-malloc-thread, from its published description.
public struct GlibcThread: Workload {
    public static let info = WorkloadInfo(
        name: "glibc-thread",
        pattern: "each thread keeps a working set of blocks with sizes distributed as 1/size^2 between min and "
            + "max, and replaces a random one per round",
        models: "glibc's benchtests/bench-malloc-thread: small-object churn with a long tail of larger blocks",
        parameters: [
            ParameterSchema("min", default: "4", .bytes(1...(1 << 20)), "smallest block"),
            ParameterSchema("max", default: "32K", .bytes(1...(1 << 24)), "largest block"),
            ParameterSchema("working_set", default: "1024", .integer(1...1_000_000), "blocks each thread holds"),
        ])

    let churn: SlotChurn

    public init(_ values: ParameterValues) {
        let low = values.int("min")
        churn = SlotChurn(kind: .objects, distribution: .inverseSquare(low...max(low, values.int("max"))),
                          slots: values.int("working_set"))
    }

    public var requestKinds: RequestKinds { .objects }

    public func run<E: Engine>(on engine: E, _ context: WorkloadContext) { churn.run(on: engine, context) }
}
