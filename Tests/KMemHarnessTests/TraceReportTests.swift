@testable import KMemHarness
import Testing

@Suite("trace report") struct TraceReportTests {
    func record(_ engine: String, _ parameters: String, extra: String) -> ResultRecord {
        var record = SyntheticResults.record(engine: engine, parameters: parameters, workload: "trace", threads: 2, nsPerOp: 150)
        record[.workloadParams] = "file=t.kmt"
        record[.workloadExtra] = extra
        record[.crossCPUFreeShare] = "0.1"
        return record
    }

    @Test("a report on trace replays gets the trace section: headline, zone lock and per-cache hit rates")
    func section() throws {
        let kernel = "kernel_zone_lock_order0=0.0002;kernel_zone_lock_pcp=0.0023;passes=200;trace_cross_cpu_free_share=0.1164"
        let records = [
            record("kmem", "percpu=slub", extra: kernel + ";model_zone_lock_pcp=0.0634;cache.filp.events=1589;cache.filp.hit_rate=0.98"
                   + ";cache.dentry.events=167;cache.dentry.hit_rate=0.95"),
            record("glibc", "", extra: kernel + ";cache.filp.events=1589;cache.dentry.events=167"),
            SyntheticResults.record(engine: "glibc", nsPerOp: 20),
        ]
        let input = try ReportInput(source: "t.csv", records: records, reference: NamedSpec(name: "glibc"))
        let text = try #require(ReportDocument.traces(input))
        #expect(text.contains("### trace:file=t.kmt, 2 threads"))
        #expect(text.contains("| kmem:percpu=slub | 150 | 200 | 10.00% | 11.64% | 6.34% | 0.23% | 0.02% |"))
        #expect(text.contains("| glibc | 150 | 200 | 10.00% | 11.64% | — | 0.23% | 0.02% |"))
        #expect(text.contains("| filp | 1589 | 98.00% |\n| dentry | 167 | 95.00% |"))
        #expect(!text.contains("pair"))
        #expect(!text.contains("Per traced CPU"), "no per-CPU figures, no table")
        #expect(ReportDocument.traces(try ReportInput(source: "p.csv", records: [records[2]], reference: NamedSpec(name: "glibc"))) == nil)
    }

    @Test("the per-traced-CPU table: events, operations and their share, cross-CPU frees, hit rate where reported")
    func perCPUTable() throws {
        let cpus = "cpu.0.events=300;cpu.0.ops=600;cpu.0.cross_cpu_free_share=0.05;cpu.1.events=100;cpu.1.ops=200"
            + ";cpu.1.cross_cpu_free_share=0.25"
        let records = [record("kmem", "percpu=slub", extra: cpus + ";cpu.0.hit_rate=0.9;cpu.1.hit_rate=0.8"),
                       record("glibc", "", extra: cpus)]
        let input = try ReportInput(source: "t.csv", records: records, reference: NamedSpec(name: "glibc"))
        let text = try #require(ReportDocument.traces(input))
        #expect(text.contains("| kmem:percpu=slub | 0 | 300 | 600 | 75.00% | 5.00% | 90.00% |"))
        #expect(text.contains("| kmem:percpu=slub | 1 | 100 | 200 | 25.00% | 25.00% | 80.00% |"))
        #expect(text.contains("| glibc | 1 | 100 | 200 | 25.00% | 25.00% | — |"))
    }
}
