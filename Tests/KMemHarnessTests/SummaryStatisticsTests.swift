@testable import KMemHarness
import Testing

@Suite("summary statistics") struct SummaryStatisticsTests {
    @Test("the median and its order-statistic interval: 10 values give [x(2), x(9)], 5 give min...max")
    func medianAndInterval() {
        let ten = [7.0, 3, 10, 1, 5, 9, 2, 8, 6, 4]
        #expect(Summary.median(ten) == 5.5)
        #expect(Summary.medianInterval(ten) == 2...9)
        #expect(Summary.median([4, 1, 3]) == 3)
        #expect(Summary.medianInterval([4, 1, 3, 9, 2]) == 1...9)
        #expect(Summary.median([]) == nil)
    }

    @Test("a paired ratio keeps what neighbouring repetitions shared out of its interval; unpaired it widens")
    func pairedBootstrap() throws {
        // Each repetition's machine noise hits both engines alike: a is exactly twice b.
        let b = [5.0, 9, 5.5, 7, 4.5, 8]
        let a = b.map { $0 * 2 }
        let paired = try #require(Summary.ratio(a, b, paired: true))
        #expect(paired.value == 2 && paired.interval == 2...2)
        let unpaired = try #require(Summary.ratio(a, b))
        #expect(unpaired.value == 2)
        #expect(unpaired.interval.lowerBound < 1.5 && unpaired.interval.upperBound > 2.5)
        // Pinned: the resamples use a fixed seed, so one data set always gives these.
        let fixed = try #require(Summary.ratio([10, 12, 11, 13, 10.5], [5, 5.5, 6, 5.2, 5.1], paired: true))
        #expect(ResultRecord.format(fixed.value) == "2.1154")
        #expect(ResultRecord.format(fixed.interval.lowerBound) == "1.8333")
        #expect(ResultRecord.format(fixed.interval.upperBound) == "2.5")
    }

    @Test("zeros in the reference (no drops) bound the interval with infinity instead of trapping")
    func zerosInReference() throws {
        // Found under load: a repetition with a zero figure made a resample divide 0 by 0, and
        // the NaN among the sorted resamples gave an interval whose bounds crossed.
        let ratio = try #require(Summary.ratio([0, 3, 4, 0, 5], [0, 2, 2, 3, 0], paired: true))
        #expect(ratio.interval.lowerBound <= ratio.interval.upperBound)
        #expect(ratio.value == 1.5 && ratio.interval.upperBound == .infinity)
        #expect(Summary.ratio([1, 2], [0, 0]) == nil)
    }

    @Test("a window that counted no operation has no ns/op, and the summary leaves it out")
    func noOperations() throws {
        var rows = SyntheticResults.cell(engine: "floor", nsPerOp: [10, 12, 11])
        rows[1][.nsPerOp] = ""
        let summary = Summary.make(rows, reference: NamedSpec(name: "floor"))
        #expect(summary[0][.nsPerOpMedian] == "10.5")
    }

    @Test("the summary pairs rows by repetition and drops a repetition either side lost")
    func pairsByRepetition() throws {
        var rows = SyntheticResults.cell(engine: "glibc", nsPerOp: [10, 30, 12])
            + SyntheticResults.cell(engine: "kmem", nsPerOp: [20, 60, 24])
        rows[1][.status] = "failed"
        let summary = Summary.make(rows, reference: NamedSpec(name: "glibc"))
        let kmem = try #require(summary.first { $0[.engine] == "kmem" })
        #expect(kmem[.ratioNsPerOp] == "2" && kmem[.ratioCILow] == "2" && kmem[.ratioCIHigh] == "2")
        #expect(kmem[.headline] == "ns_per_op" && kmem[.headlineRatio] == "2")
        #expect(kmem[.okRuns] == "3" && summary[0][.okRuns] == "2")
    }

    @Test("netrx ranks engines by its interrupt handler's p99 allocation latency")
    func netrxHeadline() throws {
        var rows = SyntheticResults.cell(engine: "glibc", workload: "netrx", nsPerOp: [10, 10, 10])
            + SyntheticResults.cell(engine: "kmem", workload: "netrx", nsPerOp: [10, 10, 10])
        for index in rows.indices { rows[index][.workloadExtra] = "irq_alloc_p99_ns=\(index < 3 ? 400 : 100);irq_allocs=9" }
        let kmem = try #require(Summary.make(rows, reference: NamedSpec(name: "glibc")).first { $0[.engine] == "kmem" })
        #expect(kmem[.headline] == "irq_alloc_p99_ns" && kmem[.headlineMedian] == "100" && kmem[.headlineRatio] == "0.25")
        #expect(kmem[.ratioNsPerOp] == "1")
    }
}
