/// One cell as the parent asks the child to run it.
public struct CellRequest: Codable, Sendable, Equatable {
    public var engine: String
    public var workload: String
    public var options: CellOptions

    public init(engine: String, workload: String, options: CellOptions) {
        self.engine = engine
        self.workload = workload
        self.options = options
    }
}
