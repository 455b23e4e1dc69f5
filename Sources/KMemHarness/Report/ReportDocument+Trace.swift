import Foundation

/// The report's trace section: for each trace replayed, per engine and thread count the
/// headline figures (ns/op, cross-CPU frees, the zone-lock comparison), then the model's hit
/// rate per cache for the trace's busiest caches, then the per-traced-CPU breakdown. Figures
/// are medians over the ok rows, read from their `workload_extra` column.
extension ReportDocument {
    static func traces(_ input: ReportInput) -> String? {
        let workloads = input.workloads.filter { (try? NamedSpec(parsing: $0, what: "workload"))?.name == TraceReplay.info.name }
        guard !workloads.isEmpty else { return nil }
        var parts = ["## Trace replays\n\nFrom the `workload_extra` figures (docs/trace-format.md); medians over the ok rows. "
                     + "Zone lock: the share of pcp-order page allocations that took the zone lock, the model's next to "
                     + "the kernel's own (mm_page_alloc_zone_locked) on the same traffic; — where the trace has no "
                     + "zone-locked events or the engine is not the model."]
        for workload in workloads {
            for threads in input.threads {
                let engines = input.engines.filter { !input.okRecords($0, workload, threads).isEmpty }
                guard !engines.isEmpty else { continue }
                let rows = engines.map { engine -> [String] in
                    let records = input.okRecords(engine, workload, threads)
                    let share = { (key: String) in Self.medianFigure(records, key).map(Self.percent) ?? "—" }
                    return [engine, input.summaryRow(engine, workload, threads).map { ResultsTable.short($0[.nsPerOpMedian]) } ?? "—",
                            Self.medianFigure(records, "passes").map(Self.short) ?? "—",
                            Self.percent(Summary.median(records.compactMap { $0.number(.crossCPUFreeShare) }) ?? 0),
                            share("trace_cross_cpu_free_share"), share("model_zone_lock_pcp"), share("kernel_zone_lock_pcp"),
                            share("kernel_zone_lock_order0")]
                }
                parts.append("### \(workload), \(PlotSet.plural(threads))\n\n" + Table(
                    header: ["engine", "ns/op", "passes", "cross-CPU frees (replay)", "cross-CPU frees (trace)",
                             "zone lock, model", "zone lock, kernel (order 0-3)", "kernel (order 0)"],
                    rows: rows).markdown)
                if let caches = cacheTable(input, workload, threads, engines) { parts.append(caches) }
                if let cpus = cpuTable(input, workload, threads, engines) { parts.append(cpus) }
            }
        }
        return parts.joined(separator: "\n\n")
    }

    /// Hit rate per cache and engine (the engines that report one: kmem's designs).
    static func cacheTable(_ input: ReportInput, _ workload: String, _ threads: String, _ engines: [String]) -> String? {
        let first = input.okRecords(engines[0], workload, threads)[0]
        let caches = first.figures(.workloadExtra).filter { $0.key.hasPrefix("cache.") && $0.key.hasSuffix(".events") }
            .sorted { ($1.value, $0.key) < ($0.value, $1.key) }
            .map { String($0.key.dropFirst("cache.".count).dropLast(".events".count)) }
        let reporting = engines.filter { engine in
            input.okRecords(engine, workload, threads)[0].figures(.workloadExtra).keys.contains { $0.hasSuffix(".hit_rate") }
        }
        guard !caches.isEmpty, !reporting.isEmpty else { return nil }
        let rows = caches.map { cache in
            [cache, first.figures(.workloadExtra)["cache.\(cache).events"].map(short) ?? ""] + reporting.map { engine in
                medianFigure(input.okRecords(engine, workload, threads), "cache.\(cache).hit_rate").map(percent) ?? "—"
            }
        }
        return "Per-CPU cache hit rate of the model, busiest caches of the trace first:\n\n"
            + Table(header: ["cache", "traced events"] + reporting, rows: rows).markdown
    }

    /// Per engine and traced CPU: the CPU's traced events, its operations in the window (and
    /// their share of the row's), the share of its frees that free another CPU's allocation, and
    /// where the engine reports one the hit rate of the model CPU it replayed on.
    static func cpuTable(_ input: ReportInput, _ workload: String, _ threads: String, _ engines: [String]) -> String? {
        let first = input.okRecords(engines[0], workload, threads)[0].figures(.workloadExtra)
        let cpus = first.keys.compactMap { key -> Int? in
            guard key.hasPrefix("cpu."), key.hasSuffix(".events") else { return nil }
            return Int(key.dropFirst("cpu.".count).dropLast(".events".count))
        }.sorted()
        guard !cpus.isEmpty else { return nil }
        var rows: [[String]] = []
        for engine in engines {
            let records = input.okRecords(engine, workload, threads)
            let total = Summary.median(records.compactMap { record in
                cpus.map { record.figures(.workloadExtra)["cpu.\($0).ops"] ?? 0 }.reduce(0, +)
            })
            for cpu in cpus {
                let figure = { (name: String) in medianFigure(records, "cpu.\(cpu).\(name)") }
                let ops = figure("ops")
                rows.append([engine, "\(cpu)", first["cpu.\(cpu).events"].map(short) ?? "—", ops.map(short) ?? "—",
                             ops.flatMap { ops in total.flatMap { $0 > 0 ? percent(ops / $0) : nil } } ?? "—",
                             figure("cross_cpu_free_share").map(percent) ?? "—", figure("hit_rate").map(percent) ?? "—"])
            }
        }
        return "Per traced CPU (traced CPU c replays on worker c mod threads; folded CPUs share their model CPU's hit rate):\n\n"
            + Table(header: ["engine", "traced CPU", "traced events", "ops", "share of ops", "cross-CPU frees (trace)",
                             "per-CPU hit rate"], rows: rows).markdown
    }

    static func medianFigure(_ records: [ResultRecord], _ key: String) -> Double? {
        Summary.median(records.compactMap { $0.figures(.workloadExtra)[key] })
    }

    static func short(_ value: Double) -> String { ResultsTable.short(ResultRecord.format(value)) }
    static func percent(_ share: Double) -> String { String(format: "%.2f%%", share * 100) }
}
