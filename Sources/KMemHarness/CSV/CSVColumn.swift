/// A column of the results CSV with the code that fills it, declared once in CSVSchema.swift.
public struct CSVColumn: RecordColumn {
    public enum Kind: Sendable { case text, integer, number }

    /// Where a field comes from: the cell as planned, how running it ended (status, error), or
    /// what an `ok` run measured (empty on other rows).
    enum Source: Sendable {
        case cell(@Sendable (CellInputs) -> String)
        case outcome(@Sendable (CellOutcome) -> String)
        case result(@Sendable (CellResult) -> String)
    }

    public let name: String
    public let kind: Kind
    /// Filled on every row, whatever its status (else only on `ok` rows).
    public let always: Bool
    /// Columns added at the end within this version are optional for readers: files
    /// written before them lack them and read back with the fields empty.
    public let required: Bool
    let source: Source

    init(_ name: String, _ kind: Kind, always: Bool, required: Bool = true, _ source: Source) {
        self.name = name
        self.kind = kind
        self.always = always
        self.required = required
        self.source = source
    }

    public static var all: [CSVColumn] { CSVSchema.columns }

    /// The column a user named (`compare --metric`), or an error naming it and the known ones.
    public static func named(_ name: String) throws(SpecError) -> CSVColumn {
        guard let column = byName[name] else {
            throw SpecError("unknown column '\(name)' (known: \(all.map(\.name).joined(separator: ", ")))")
        }
        return column
    }

    static let byName = Dictionary(uniqueKeysWithValues: all.map { ($0.name, $0) })

    func field(_ inputs: CellInputs, _ outcome: CellOutcome) -> String {
        switch source {
        case .cell(let field): field(inputs)
        case .outcome(let field): field(outcome)
        case .result(let field): if case .ok(let result) = outcome { field(result) } else { "" }
        }
    }
}

/// What a cell's row says before it runs.
struct CellInputs: Sendable {
    let metadata: RunMetadata
    let plan: RunPlan
    let cell: RunPlan.Cell
    let options: CellOptions
}

/// How running a cell ended.
enum CellOutcome: Sendable {
    case ok(CellResult)
    case failed(String)
    case skipped(String)

    var status: String {
        switch self {
        case .ok: "ok"
        case .failed: "failed"
        case .skipped: "skipped"
        }
    }

    var error: String {
        switch self {
        case .ok: ""
        case .failed(let reason), .skipped(let reason): reason
        }
    }
}

/// A column of the summary CSV with the code that computes it from a group's rows.
public struct SummaryColumn: RecordColumn {
    public let name: String
    let value: @Sendable (Summary.Group) -> String

    init(_ name: String, _ value: @escaping @Sendable (Summary.Group) -> String) {
        self.name = name
        self.value = value
    }

    public static var all: [SummaryColumn] { CSVSchema.summaryColumns }
}
