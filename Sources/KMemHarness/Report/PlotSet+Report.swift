extension PlotSet {
    /// The report's figures: throughput per workload and engine and latency percentiles and
    /// RSS over time at each thread count, scaling with threads when there are several, and
    /// the Pareto fronts of any parameter sweeps.
    public init(_ input: ReportInput) {
        colourOrder = input.engines
        plots = input.threads.flatMap { threads in
            [Self.throughput(input, threads), Self.latency(input, threads), Self.rss(input, threads)]
        }
        if input.threads.count > 1 { plots.append(Self.scaling(input)) }
        if !input.sweeps.isEmpty { plots.append(Self.pareto(input)) }
    }

    static func plural(_ threads: String) -> String { threads == "1" ? "1 thread" : "\(threads) threads" }

    static func throughput(_ input: ReportInput, _ threads: String) -> PlotSpec {
        PlotSpec(
            file: "throughput-t\(threads)", kind: .bars, title: "Throughput per workload, \(plural(threads))",
            caption: "Median throughput over the ok repetitions (bars) with the 95% interval of the median (whiskers); "
                + "an operation is one allocation or one free, summed over all threads. No bar: the cell failed or was skipped.",
            xLabel: "engine", yLabel: "throughput (Mops/s)", yFromZero: true,
            panels: input.workloads.map { workload in
                PlotSpec.Panel(title: workload, series: input.engines.map { engine in
                    let row = input.summaryRow(engine, workload, threads)
                    // ns/op = 1e9 / ops/s, so Mops/s = 1e3 / ns/op, and its interval is the
                    // ns/op interval's ends inverted.
                    let mops = { (column: SummaryColumn) in row?.number(column).flatMap { $0 > 0 ? 1e3 / $0 : nil } }
                    return PlotSpec.Series(label: engine, x: [0], y: [mops(.nsPerOpMedian)],
                                           low: [mops(.nsPerOpCIHigh)], high: [mops(.nsPerOpCILow)])
                })
            })
    }

    static let percentiles: [(String, CSVColumn)] = [("p50", .p50Ns), ("p90", .p90Ns), ("p99", .p99Ns), ("p99.9", .p999Ns), ("max", .maxNs)]

    static func latency(_ input: ReportInput, _ threads: String) -> PlotSpec {
        PlotSpec(
            file: "latency-t\(threads)", kind: .lines, title: "Latency percentiles, \(plural(threads))",
            caption: "Latency of sampled operations (one in sample_period is timed; the timer's own floor is included), "
                + "median over the ok repetitions of each percentile; max is the largest sampled latency.",
            xLabel: "percentile of sampled operations", yLabel: "latency (ns, log scale)", yLog: true,
            xTicks: percentiles.indices.map(Double.init), xTickLabels: percentiles.map(\.0),
            panels: input.workloads.map { workload in
                PlotSpec.Panel(title: workload, series: input.engines.map { engine in
                    let ok = input.okRecords(engine, workload, threads)
                    return PlotSpec.Series(label: engine, x: percentiles.indices.map(Double.init), y: percentiles.map { _, column in
                        Summary.median(ok.compactMap { $0.number(column) }).flatMap { $0 > 0 ? $0 : nil }
                    })
                })
            })
    }

    static func rss(_ input: ReportInput, _ threads: String) -> PlotSpec {
        PlotSpec(
            file: "rss-t\(threads)", kind: .lines, title: "Resident set size over time, \(plural(threads))",
            caption: "VmRSS of the cell's child process, sampled every rss_interval_ms from the start of the cell "
                + "(the rss_kb_series column), for the first ok repetition of each cell.",
            xLabel: "time since the cell started (s)", yLabel: "resident set size (MiB)",
            panels: input.workloads.map { workload in
                PlotSpec.Panel(title: workload, series: input.engines.compactMap { engine in
                    guard let first = input.okRecords(engine, workload, threads).first,
                          let interval = first.number(.rssIntervalMs) else { return nil }
                    let series = first[.rssKBSeries].split(separator: ";").compactMap { Double($0) }
                    return PlotSpec.Series(label: engine, x: series.indices.map { Double($0) * interval / 1000 },
                                           y: series.map { $0 / 1024 })
                })
            })
    }

    static func scaling(_ input: ReportInput) -> PlotSpec {
        let counts = input.threads.compactMap(Double.init)
        return PlotSpec(
            file: "scaling", kind: .lines, title: "Scaling with threads",
            caption: "Median throughput at each thread count; flat means no scaling, a line rising with the count means "
                + "the allocator scales (on this machine's CPUs).",
            xLabel: "threads", yLabel: "throughput (Mops/s)", yFromZero: true, xTicks: counts, xTickLabels: input.threads,
            panels: input.workloads.map { workload in
                PlotSpec.Panel(title: workload, series: input.engines.map { engine in
                    PlotSpec.Series(label: engine, x: counts, y: input.threads.map { threads in
                        input.summaryRow(engine, workload, threads)?.number(.opsPerSecMedian).map { $0 / 1e6 }
                    })
                })
            })
    }

    static func pareto(_ input: ReportInput) -> PlotSpec {
        PlotSpec(
            file: "pareto", kind: .pareto, title: "Tuning: throughput against footprint",
            caption: "Each point is one setting (median over its ok repetitions); the line joins the Pareto-optimal "
                + "settings, those no other setting beats on both throughput and footprint.",
            xLabel: "peak footprint (MiB)", yLabel: "throughput (Mops/s)", yFromZero: true,
            panels: input.sweeps.map { sweep in
                let measured = sweep.points.filter { $0.footprintBytes != nil }
                let front = sweep.pareto
                return PlotSpec.Panel(
                    title: "\(sweep.engine) on \(sweep.workload), \(plural(sweep.threads))",
                    series: [
                        PlotSpec.Series(label: "setting", x: measured.map { $0.footprintBytes! / 1_048_576 },
                                        y: measured.map { $0.opsPerSec / 1e6 }),
                        PlotSpec.Series(label: "Pareto front", x: front.map { $0.footprintBytes! / 1_048_576 },
                                        y: front.map { $0.opsPerSec / 1e6 }, pointLabels: front.map(\.parameters)),
                    ])
            })
    }
}
