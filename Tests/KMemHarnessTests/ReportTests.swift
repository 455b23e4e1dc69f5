import Foundation
@testable import KMemHarness
import Testing

@Suite("report") struct ReportTests {
    /// Two engines, two workloads, two thread counts, and a sweep of one engine's setting:
    /// every table and figure kind has something to show.
    static var records: [ResultRecord] {
        var records: [ResultRecord] = []
        for threads in [1, 2] {
            for workload in ["pair", "larson"] {
                for engine in ["glibc", "jemalloc"] {
                    records += SyntheticResults.cell(engine: engine, workload: workload, threads: threads,
                                                     nsPerOp: [10, 11, 12].map { $0 * Double(threads) })
                }
                for (setting, ns) in [("tcache_max=64", 14.0), ("tcache_max=4096", 9.0)] {
                    records += (0..<2).map { repetition in
                        SyntheticResults.record(engine: "jemalloc", parameters: setting, workload: workload, threads: threads,
                                                repetition: repetition, nsPerOp: ns, footprint: ns * 100_000)
                    }
                }
            }
        }
        records[1][.status] = "failed"
        records[1][.error] = "child killed by signal 11 (SIGSEGV)"
        return records
    }

    static let figures = ["throughput-t1", "throughput-t2", "latency-t1", "latency-t2", "rss-t1", "rss-t2", "scaling", "pareto"]

    func write(plots: Bool) throws -> (URL, [String]) {
        let input = try ReportInput(source: "results.csv", records: try ResultsReader.read(SyntheticResults.write(Self.records)))
        let directory = try temporaryDirectory().appendingPathComponent("report")
        let plotter = plots ? try Plotter.locate().get() : nil
        return (directory, try ReportWriter(directory: directory.path).write(input, plotter: plotter))
    }

    @Test("report writes every table, its summary and the figure data")
    func tables() throws {
        let (directory, files) = try write(plots: false)
        #expect(files == ["report.md", "summary.csv", "plots.json"])
        let markdown = try String(contentsOf: directory.appendingPathComponent("report.md"), encoding: .utf8)
        for heading in ["# kmembench report: results.csv", "## Headline, 1 thread: each workload's headline figure relative to glibc",
                        "## Headline, 2 threads", "## Throughput, 1 thread (Mops/s, median)", "## Every cell",
                        "## Figures", "## Tuning sweeps", "### jemalloc on pair, 1 thread", "## Cells that did not run"] {
            #expect(markdown.contains(heading), "\(heading)")
        }
        // The reference lost one of its three repetitions (the failed row): marked, and the
        // other engine's ratio uses only the two pairs that both ran.
        #expect(markdown.contains("| pair (ns_per_op) | 1 (ref) 2/3 |"))
        #expect(markdown.contains("| larson (ns_per_op) | 1 (ref) |"))
        #expect(markdown.contains("SIGSEGV"))
        for figure in Self.figures { #expect(markdown.contains("](\(figure).png)"), "\(figure)") }
        let plots = try JSONDecoder().decode(PlotSet.self, from: Data(contentsOf: directory.appendingPathComponent("plots.json")))
        #expect(plots.plots.map(\.file).sorted() == Self.figures.sorted())
        let summary = try CSVFile.parse(String(contentsOf: directory.appendingPathComponent("summary.csv"), encoding: .utf8))
        #expect(summary.count == 1 + 16) // header, then 2 threads x 2 workloads x 4 engine settings
    }

    static var matplotlibPresent: Bool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", "import matplotlib"]
        process.standardError = FileHandle.nullDevice
        return (try? process.run()).map { process.waitUntilExit(); return process.terminationStatus == 0 } ?? false
    }

    @Test("report draws every figure as PNG and SVG (skipped when python3 or matplotlib is missing)",
          .enabled(if: matplotlibPresent, "needs python3 with matplotlib"))
    func figures() throws {
        let (directory, files) = try write(plots: true)
        for figure in Self.figures {
            for type in ["png", "svg"] {
                let name = "\(figure).\(type)"
                #expect(files.contains(name))
                let size = try FileManager.default.attributesOfItem(atPath: directory.appendingPathComponent(name).path)[.size] as? Int
                #expect((size ?? 0) > 1000, "\(name)")
            }
        }
    }
}

@Suite("report: the per-CPU layer") struct PerCPULayerReportTests {
    @Test("kmem rows get the per-CPU layer's figures per 1,000 slab allocations, medians over repetitions; baselines none")
    func perCPUSection() throws {
        var records = [Double](arrayLiteral: 900, 950, 990).enumerated().map { repetition, hits in
            var record = SyntheticResults.record(engine: "kmem", parameters: "percpu=slub", repetition: repetition, nsPerOp: 10)
            record[.engineExtra] = "slab_allocs=1000;slab_hits=\(Int(hits));slab_alloc_misses=\(1000 - Int(hits));"
                + "slab_free_misses=20;slub_cpu_partial_free=3;slub_cpu_partial_alloc=1;slab_depot_exchanges=0;"
                + "slab_list_lock_contended=2;slab_slabs_allocated=5"
            record[.reference] = "jemalloc"
            return record
        }
        records += SyntheticResults.cell(engine: "jemalloc", nsPerOp: [8, 8, 8])
        let input = try ReportInput(source: "results.csv", records: records)
        let section = try #require(ReportDocument.perCPULayer(input))
        #expect(section.contains("| kmem:percpu=slub | pair | 1 | 95 | 50 | 20 | 4 | 0 | 2 | 5 |"))
        #expect(!section.contains("jemalloc"))
        let baselinesOnly = try ReportInput(source: "results.csv", records: SyntheticResults.cell(engine: "glibc", nsPerOp: [5]))
        #expect(ReportDocument.perCPULayer(baselinesOnly) == nil)
    }
}
