/// The Markdown report: where the numbers come from, the headline ratios, throughput, every
/// summary row, the figures, any tuning sweeps, and the cells that did not run. Built from
/// the CSV's rows alone, so every figure in it can be re-derived from the file.
public enum ReportDocument {
    public static func markdown(_ input: ReportInput, plots: PlotSet) -> String {
        var sections = [provenance(input)]
        sections += input.threads.map { headline(input, $0) }
        sections += input.threads.map { throughput(input, $0) }
        sections.append("## Every cell\n\nMedians over the ok repetitions; ns/op 95% CI is the order-statistic interval "
                        + "of the median (min..max below 6 repetitions); ratio is ns/op against \(input.reference) "
                        + "with a bootstrap 95% interval (below 1: faster).\n\n" + ResultsTable.table(input.summary).markdown)
        if let perCPU = perCPULayer(input) { sections.append(perCPU) }
        sections.append(figures(plots))
        if !input.sweeps.isEmpty { sections.append(tuning(input)) }
        if let failures = notRun(input) { sections.append(failures) }
        return sections.joined(separator: "\n\n") + "\n"
    }

    static func provenance(_ input: ReportInput) -> String {
        let values = { (column: CSVColumn) in ReportInput.ordered(input.records.map { $0[column] }).joined(separator: ", ") }
        let count = { (status: String) in input.records.filter { $0[.status] == status }.count }
        return """
            # kmembench report: \(input.source)

            | | |
            |---|---|
            | rows | \(input.records.count) (ok \(count("ok")), failed \(count("failed")), skipped \(count("skipped"))) |
            | suite | \(values(.suite).isEmpty ? "(not recorded)" : values(.suite)) |
            | runs | \(values(.runID)) |
            | started | \(values(.timestamp).split(separator: ",").first.map(String.init) ?? "") |
            | git revision | \(values(.gitRev)) |
            | host, CPUs | \(values(.host)), \(values(.cpus)) |
            | cell duration (s), repetitions | \(values(.durationS)), \(ReportInput.ordered(input.records.map { $0[.repetition] }).count) |
            | reference engine | \(input.reference) |

            Summary of these rows: `summary.csv` beside this file. Figures: PNG for reading, SVG beside each.
            """
    }

    /// The table to read first: ns/op relative to the reference, workloads by engines.
    static func headline(_ input: ReportInput, _ threads: String) -> String {
        let rows = input.workloads.map { workload in
            [workload] + input.engines.map { engine -> String in
                guard let row = input.summaryRow(engine, workload, threads), !row[.ratioNsPerOp].isEmpty else {
                    return input.okRecords(engine, workload, threads).isEmpty ? "—" : ""
                }
                if engine == input.reference.description { return "1 (ref)" }
                return "\(ResultsTable.short(row[.ratioNsPerOp])) (\(ResultsTable.short(row[.ratioCILow]))–\(ResultsTable.short(row[.ratioCIHigh])))"
            }
        }
        return "## Headline, \(PlotSet.plural(threads)): ns/op relative to \(input.reference)\n\n"
            + "Median ns/op over the reference's on the same workload, with its 95% interval; below 1 is faster. "
            + "— : the cell did not run.\n\n" + Table(header: ["workload"] + input.engines, rows: rows).markdown
    }

    static func throughput(_ input: ReportInput, _ threads: String) -> String {
        let rows = input.workloads.map { workload in
            [workload] + input.engines.map { engine in
                input.summaryRow(engine, workload, threads)?.number(.opsPerSecMedian)
                    .map { ResultsTable.short(ResultRecord.format($0 / 1e6)) } ?? "—"
            }
        }
        return "## Throughput, \(PlotSet.plural(threads)) (Mops/s, median)\n\n"
            + Table(header: ["workload"] + input.engines, rows: rows).markdown
    }

    static func figures(_ plots: PlotSet) -> String {
        (["## Figures"] + plots.plots.map { plot in
            "### \(plot.title)\n\n![\(plot.title)](\(plot.file).png)\n\n\(plot.caption) ([SVG](\(plot.file).svg))"
        }).joined(separator: "\n\n")
    }

    static func tuning(_ input: ReportInput) -> String {
        (["## Tuning sweeps"] + input.sweeps.map { sweep in
            "### \(sweep.engine) on \(sweep.workload), \(PlotSet.plural(sweep.threads))\n\n" + sweep.table.markdown
                + "\n\n" + sweep.verdict.split(separator: "\n").dropFirst().map { "- \($0)" }.joined(separator: "\n")
        }).joined(separator: "\n\n")
    }

    /// Failed and skipped cells, one line per distinct reason.
    static func notRun(_ input: ReportInput) -> String? {
        var order: [[String]] = [], counts: [[String]: Int] = [:]
        for record in input.records where !record.isOK {
            let key = [record.engineSpec, record.workloadSpec, record[.threads], record[.status], record[.error]]
            if counts[key] == nil { order.append(key) }
            counts[key, default: 0] += 1
        }
        guard !order.isEmpty else { return nil }
        return "## Cells that did not run\n\n" + Table(
            header: ["engine", "workload", "threads", "status", "reason", "repetitions"],
            rows: order.map { $0 + ["\(counts[$0]!)"] }).markdown
    }
}
