/// A row of the results CSV.
public typealias ResultRecord = CSVRecord<CSVColumn>
/// A row of the summary CSV.
public typealias SummaryRecord = CSVRecord<SummaryColumn>

extension CSVRecord where Column == CSVColumn {
    /// A cell's row: each column filled from the cell's inputs or from how its run ended.
    init(_ inputs: CellInputs, _ outcome: CellOutcome) {
        self.init { $0.field(inputs, outcome) }
    }

    public var isOK: Bool { self[.status] == "ok" }

    /// A `name=value;...` column (engine_extra, workload_extra) as numbers by name.
    func figures(_ column: CSVColumn) -> [String: Double] {
        var values: [String: Double] = [:]
        for pair in self[column].split(separator: ";") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            if parts.count == 2, let value = Double(parts[1]), values[String(parts[0])] == nil { values[String(parts[0])] = value }
        }
        return values
    }

    /// The key a summary groups by.
    var group: [String] { [CSVColumn.engine, .engineParams, .workload, .workloadParams, .threads].map { self[$0] } }
}
