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
                        + "with a paired-bootstrap 95% interval (below 1: faster); blowup is the resident-set rise at its "
                        + "peak (the same measure on every engine) over the exact peak of live bytes.\n\n"
                        + ResultsTable.table(input.summary).markdown)
        if let perCPU = perCPULayer(input) { sections.append(perCPU) }
        sections.append(figures(plots))
        if !input.sweeps.isEmpty { sections.append(tuning(input)) }
        if let traces = traces(input) { sections.append(traces) }
        if let soak = soak(input) { sections.append(soak) }
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

    /// The table to read first: each workload's headline figure relative to the reference,
    /// workloads by engines.
    static func headline(_ input: ReportInput, _ threads: String) -> String {
        var otherReference = false
        let rows = input.workloads.map { workload in
            ["\(workload) (\(Headline.of(workload: String(workload.prefix { $0 != ":" })).name))"] + input.engines.map { engine -> String in
                guard let row = input.summaryRow(engine, workload, threads) else { return "—" }
                let lost = row[.okRuns] == row[.runs] ? "" : " \(row[.okRuns])/\(row[.runs])"
                guard !row[.headlineRatio].isEmpty else { return row[.okRuns] == "0" ? "—" : lost }
                if engine == input.reference.description { return "1 (ref)" + lost }
                let against = row[.reference] == input.reference.description ? "" : " vs \(row[.reference])*"
                if !against.isEmpty { otherReference = true }
                return "\(ResultsTable.short(row[.headlineRatio])) (\(ResultsTable.short(row[.headlineCILow]))–"
                    + "\(ResultsTable.short(row[.headlineCIHigh])))\(lost)\(against)"
            }
        }
        return "## Headline, \(PlotSet.plural(threads)): each workload's headline figure relative to \(input.reference)\n\n"
            + "Median of the figure named beside each workload (ns_per_op unless the workload ranks by one of its own "
            + "figures, such as an interrupt handler's latency) over the reference's, with a paired-bootstrap 95% "
            + "interval from the repetitions that ran next to each other; below 1 is better. k/n: only k of the n "
            + "repetitions asked for ran. — : the cell did not run."
            + (otherReference ? " *: the reference did not run there; the ratio is against the engine named." : "")
            + "\n\n" + Table(header: ["workload"] + input.engines, rows: rows).markdown
    }

    static func throughput(_ input: ReportInput, _ threads: String) -> String {
        let rows = input.workloads.map { workload in
            [workload] + input.engines.map { engine in
                input.summaryRow(engine, workload, threads)?.number(.opsPerSecMedian)
                    .map { ResultsTable.short(ResultRecord.format($0 / 1e6)) } ?? "—"
            }
        }
        return "## Throughput, \(PlotSet.plural(threads)) (Mops/s, median)\n\n"
            + "Millions of operations per second inside the timed window (after the warm-up), all threads and contexts "
            + "together; an operation is one allocation that succeeded or one free (docs/workloads/ says what each "
            + "workload's rounds do). — : the cell did not run.\n\n"
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
