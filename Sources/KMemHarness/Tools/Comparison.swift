/// Two results CSVs side by side, cell by cell (engine, workload, their parameters and
/// threads): the ratio of the candidate's median to the baseline's with a bootstrap 95%
/// interval (Summary's method), and a verdict. A cell regressed when the ratio is beyond the
/// threshold *and* its interval excludes 1, so run-to-run noise the repetitions show is not
/// called a regression; a cell that ran in the baseline and fails in the candidate regressed
/// too. Cells in only one file are listed, never dropped.
public struct Comparison: Sendable {
    /// Metrics where lower is better, so a ratio above 1 is worse.
    public static let metrics: [CSVColumn] = [.nsPerOp, .p50Ns, .p99Ns, .p999Ns, .maxNs, .peakRSSKB, .residentBytesPeak, .ownFootprintBytes]

    public enum Verdict: String, Sendable { case regressed, improved, unchanged, failed, noData = "no data" }

    public struct Row: Sendable {
        public let cell: [String]
        public let baseline: Double?
        public let candidate: Double?
        public let ratio: Double?
        public let interval: ClosedRange<Double>?
        public let verdict: Verdict
    }

    public let metric: CSVColumn
    public let threshold: Double
    public let rows: [Row]
    public let onlyInBaseline: [[String]]
    public let onlyInCandidate: [[String]]

    public var regressed: Bool { rows.contains { $0.verdict == .regressed || $0.verdict == .failed } }

    /// `threshold` is a fraction (0.05 for 5%).
    public init(baseline: [ResultRecord], candidate: [ResultRecord], metric: CSVColumn = .nsPerOp,
                threshold: Double = 0.05) throws(SpecError) {
        guard Self.metrics.contains(metric) else {
            throw SpecError("cannot compare on '\(metric.name)' (lower-is-better metrics: \(Self.metrics.map(\.name).joined(separator: ", ")))")
        }
        guard threshold >= 0 else { throw SpecError("threshold must not be negative") }
        self.metric = metric
        self.threshold = threshold
        let before = Self.grouped(baseline), after = Self.grouped(candidate)
        rows = before.order.filter { after.groups[$0] != nil }.map { cell in
            Self.row(cell, before.groups[cell]!, after.groups[cell]!, metric: metric, threshold: threshold)
        }
        onlyInBaseline = before.order.filter { after.groups[$0] == nil }
        onlyInCandidate = after.order.filter { before.groups[$0] == nil }
    }

    static func row(_ cell: [String], _ before: [ResultRecord], _ after: [ResultRecord],
                    metric: CSVColumn, threshold: Double) -> Row {
        let a = before.filter(\.isOK).compactMap { $0.number(metric) }
        let b = after.filter(\.isOK).compactMap { $0.number(metric) }
        guard !b.isEmpty else {
            return Row(cell: cell, baseline: Summary.median(a), candidate: nil, ratio: nil, interval: nil,
                       verdict: a.isEmpty ? .noData : .failed)
        }
        guard let (ratio, interval) = Summary.ratio(b, a) else {
            return Row(cell: cell, baseline: Summary.median(a), candidate: Summary.median(b), ratio: nil, interval: nil, verdict: .noData)
        }
        let verdict: Verdict = if ratio > 1 + threshold && interval.lowerBound > 1 { .regressed }
            else if ratio < 1 - threshold && interval.upperBound < 1 { .improved }
            else { .unchanged }
        return Row(cell: cell, baseline: Summary.median(a), candidate: Summary.median(b), ratio: ratio,
                   interval: interval, verdict: verdict)
    }

    /// Rows by cell, in first-seen order.
    static func grouped(_ records: [ResultRecord]) -> (order: [[String]], groups: [[String]: [ResultRecord]]) {
        var order: [[String]] = [], groups: [[String]: [ResultRecord]] = [:]
        for record in records {
            let cell = [record.engineSpec, record.workloadSpec, record[.threads]]
            if groups[cell] == nil { order.append(cell) }
            groups[cell, default: []].append(record)
        }
        return (order, groups)
    }

    /// What `compare` prints.
    public var text: String {
        let format = { (value: Double?) in value.map { ResultsTable.short(ResultRecord.format($0)) } ?? "" }
        let table = Table(header: ["engine", "workload", "threads", "A \(metric.name)", "B \(metric.name)", "B/A", "95% CI", "verdict"],
                          rows: rows.map { row in
                              row.cell + [format(row.baseline), format(row.candidate), format(row.ratio),
                                          row.interval.map { "\(format($0.lowerBound))-\(format($0.upperBound))" } ?? "",
                                          row.verdict.rawValue]
                          })
        var lines = [table.text]
        for (name, cells) in [("only in A", onlyInBaseline), ("only in B", onlyInCandidate)] where !cells.isEmpty {
            lines.append("\(cells.count) cells \(name):")
            lines += cells.map { "  " + $0.joined(separator: "  ") }
        }
        let count = rows.filter { $0.verdict == .regressed || $0.verdict == .failed }.count
        lines.append(count == 0 ? "no regression beyond \(ResultRecord.format(threshold * 100))%"
                     : "\(count) of \(rows.count) cells regressed beyond \(ResultRecord.format(threshold * 100))% (or failed)")
        return lines.joined(separator: "\n")
    }
}
