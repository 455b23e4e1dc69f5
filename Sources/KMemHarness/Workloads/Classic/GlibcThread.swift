/// `glibc-thread`: glibc's bench-malloc-thread, from its published description.
public struct GlibcThread: Workload {
    public static let info = WorkloadInfo(
        name: "glibc-thread",
        pattern: "each thread keeps a working set of blocks with sizes distributed as 1/size^2 between min and "
            + "max, and replaces a random one per round",
        models: "glibc's benchtests/bench-malloc-thread: small-object churn with a long tail of larger blocks",
        parameters: [smallest.schema, largest.schema, workingSet.schema])

    static let smallest = Parameter.bytes("min", default: "4", 1...(1 << 20), "smallest block")
    static let largest = Parameter.bytes("max", default: "32K", 1...(1 << 24), "largest block")
    static let workingSet = Parameter.integer("working_set", default: 1024, 1...1_000_000, "blocks each thread holds")

    let churn: SlotChurn

    public init(_ values: ParameterValues) {
        let low = values[Self.smallest]
        churn = SlotChurn(kind: .objects, distribution: .inverseSquare(low...max(low, values[Self.largest])),
                          slots: values[Self.workingSet])
    }

    public var requestKinds: RequestKinds { .objects }

    public func run<E: Engine>(on engine: E, _ context: WorkloadContext) { churn.run(on: engine, context) }
}
