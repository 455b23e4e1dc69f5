/// The per-CPU layer's own figures for the kmem rows, from each row's engine_extra: how often the
/// CPU's cache served the request, and what the misses cost in shared-structure traffic. Rates are
/// per 1,000 slab allocations, medians over the ok repetitions.
extension ReportDocument {
    /// A figure: its header, and how to compute it from one row's engine counters.
    struct DesignFigure: Sendable {
        let header: String
        let value: @Sendable ([String: Double]) -> Double?
    }

    static let designFigures: [DesignFigure] = [
        DesignFigure(header: "per-CPU hit %") { extra in ratio(extra["slab_hits"], extra["slab_allocs"]).map { $0 * 100 } },
        DesignFigure(header: "alloc slow paths") { perThousand($0["slab_alloc_misses"], $0) },
        DesignFigure(header: "free slow paths") { perThousand($0["slab_free_misses"], $0) },
        // SLUB: slabs moving between the node's partial list and the CPUs' partial lists.
        DesignFigure(header: "partial-list moves") { extra in
            let names = ["slub_cpu_partial_alloc", "slub_cpu_partial_free", "slub_cpu_partial_node",
                         "slub_cpu_partial_drain", "slub_free_add_partial"]
            return perThousand(names.compactMap { extra[$0] }.reduce(0, +), extra)
        },
        DesignFigure(header: "depot/barn exchanges") { perThousand($0["slab_depot_exchanges"], $0) },
        DesignFigure(header: "list lock contended") { perThousand($0["slab_list_lock_contended"], $0) },
        DesignFigure(header: "new slabs") { perThousand($0["slab_slabs_allocated"], $0) },
    ]

    static func ratio(_ part: Double?, _ whole: Double?) -> Double? {
        guard let part, let whole, whole > 0 else { return nil }
        return part / whole
    }

    static func perThousand(_ count: Double?, _ extra: [String: Double]) -> Double? {
        ratio(count, extra["slab_allocs"]).map { $0 * 1000 }
    }

    /// nil when no kmem row carries slab counters.
    static func perCPULayer(_ input: ReportInput) -> String? {
        var rows: [[String]] = []
        for engine in input.engines {
            for workload in input.workloads {
                for threads in input.threads {
                    let extras = input.okRecords(engine, workload, threads)
                        .filter { $0[.engine] == "kmem" }.map { $0.figures(.engineExtra) }
                        .filter { ($0["slab_allocs"] ?? 0) > 0 }
                    guard !extras.isEmpty else { continue }
                    rows.append([engine, workload, threads] + designFigures.map { figure in
                        Summary.median(extras.compactMap(figure.value))
                            .map { ResultsTable.short(ResultRecord.format($0)) } ?? "—"
                    })
                }
            }
        }
        guard !rows.isEmpty else { return nil }
        return "## The per-CPU layer (kmem rows)\n\n"
            + "What each design's per-CPU cache did: the share of slab allocations it served, and per 1,000 "
            + "slab allocations the slow paths taken, SLUB's partial-list moves, depot (Bonwick) or barn "
            + "(sheaves) exchanges, node list-lock contention and new slabs. Medians over the ok repetitions; "
            + "every count is in the row's engine_extra column.\n\n"
            + Table(header: ["engine", "workload", "threads"] + designFigures.map(\.header), rows: rows).markdown
    }
}
