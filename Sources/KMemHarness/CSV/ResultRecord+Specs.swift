extension CSVRecord {
    /// The engine as users write it, `NAME[:key=value,...]`.
    public var engineSpec: String { Self.spec(self[.engine], self[.engineParams]) }
    /// The workload as users write it.
    public var workloadSpec: String { Self.spec(self[.workload], self[.workloadParams]) }

    static func spec(_ name: String, _ parameters: String) -> String {
        parameters.isEmpty ? name : "\(name):\(parameters)"
    }
}
