/// A results CSV as the report sees it: the rows, their summary (recomputed, so the report
/// never trusts a summary file that may be stale), and the axes every table and plot uses,
/// in the order the run first met them.
public struct ReportInput: Sendable {
    public let source: String
    public let records: [ResultRecord]
    public let reference: NamedSpec
    public let summary: [SummaryRecord]
    public let engines: [String]
    public let workloads: [String]
    /// Thread counts, ascending.
    public let threads: [String]
    public let sweeps: [TuningResult]

    /// `reference` nil: the one the run used (Summary.reference(of:)).
    public init(source: String, records: [ResultRecord], reference: NamedSpec? = nil) throws(SpecError) {
        guard let chosen = reference ?? Summary.reference(of: records) else { throw SpecError("\(source): no rows to report on") }
        guard records.contains(where: { $0.engineSpec == chosen.description }) else {
            throw SpecError("reference engine '\(chosen)' is not in \(source)")
        }
        self.source = source
        self.records = records
        self.reference = chosen
        summary = Summary.make(records, reference: chosen)
        engines = Self.ordered(records.map(\.engineSpec))
        workloads = Self.ordered(records.map(\.workloadSpec))
        threads = Self.ordered(records.map { $0[.threads] }).sorted { (Int($0) ?? 0) < (Int($1) ?? 0) }
        sweeps = TuningResult.sweeps(in: records)
    }

    public func summaryRow(_ engine: String, _ workload: String, _ threads: String) -> SummaryRecord? {
        summary.first { $0.engineSpec == engine && $0.workloadSpec == workload && $0[.threads] == threads }
    }

    public func okRecords(_ engine: String, _ workload: String, _ threads: String) -> [ResultRecord] {
        records.filter { $0.isOK && $0.engineSpec == engine && $0.workloadSpec == workload && $0[.threads] == threads }
    }

    static func ordered(_ values: [String]) -> [String] {
        var seen: Set<String> = [], order: [String] = []
        for value in values where seen.insert(value).inserted { order.append(value) }
        return order
    }
}
