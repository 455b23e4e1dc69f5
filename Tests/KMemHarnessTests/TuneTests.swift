import Foundation
@testable import KMemHarness
import Testing

@Suite("tune") struct TuneTests {
    /// A synthetic engine's response to pcp_batch x pcp_high: throughput peaks at batch 16,
    /// high 256; footprint grows with both; p99 is lowest at batch 4. Small deterministic
    /// noise per repetition, well under the gaps between points.
    static func measure(_ point: NamedSpec, repetition: Int) -> (nsPerOp: Double, p99: Double, footprint: Double) {
        let batch = Double(point.value("pcp_batch")!)!, high = Double(point.value("pcp_high")!)!
        let batchLoss: Double = pow(log2(batch) - 4, 2) * 5
        let highLoss: Double = pow(log2(high + 1) - 8, 2)
        let noise: Double = 1 + Double(repetition - 1) * 0.002
        let p99: Double = 50 + abs(log2(batch) - 2) * 10
        let footprint: Double = 1_048_576 + (batch + high) * 4096
        return (1e3 / (100 - batchLoss - highLoss) * noise, p99, footprint)
    }

    @Test("the sweep finds the synthetic engine's known best point and Pareto front through the CSV")
    func findsKnownBest() throws {
        let grid = try TuningGrid(engine: "kmem", parameters: ["pcp_batch=1,4,16,64", "pcp_high=0,256,1024"])
        #expect(grid.points.count == 12)
        #expect(grid.points.first?.description == "kmem:pcp_batch=1,pcp_high=0")
        let records = grid.points.flatMap { point in
            (0..<3).map { repetition in
                let figures = Self.measure(point, repetition: repetition)
                return SyntheticResults.record(engine: "kmem", parameters: point.parameterText, workload: "page-churn",
                                               repetition: repetition, nsPerOp: figures.nsPerOp, p99: figures.p99,
                                               footprint: figures.footprint)
            }
        }
        let back = try ResultsReader.read(try SyntheticResults.write(records))
        let result = try #require(TuningResult.sweeps(in: back).first)
        #expect(result.points.count == 12)
        #expect(result.bestThroughput?.parameters == "pcp_batch=16,pcp_high=256")
        #expect(result.bestFootprint?.parameters == "pcp_batch=1,pcp_high=0")
        #expect(result.bestLatency?.parameters.hasPrefix("pcp_batch=4,") == true)
        // The front by brute force: no other point at least as fast and as small.
        let expected = result.points.filter { point in
            !result.points.contains { $0 != point && $0.opsPerSec >= point.opsPerSec && $0.footprintBytes! <= point.footprintBytes! }
        }
        #expect(Set(result.pareto.map(\.parameters)) == Set(expected.map(\.parameters)))
        #expect(result.pareto.last?.parameters == "pcp_batch=16,pcp_high=256")
    }

    @Test("a best setting is named only when its interval is clear of the runner-up's")
    func bestOnlyWhenSeparated() throws {
        func sweep(_ runs: [String: [Double]]) throws -> TuningResult {
            let records = runs.sorted { $0.key < $1.key }.flatMap { setting, nsPerOp in
                nsPerOp.enumerated().map { SyntheticResults.record(engine: "kmem", parameters: setting, workload: "kmalloc-mix",
                                                                   repetition: $0, nsPerOp: $1) }
            }
            return try #require(TuningResult.sweeps(in: records).first)
        }
        // magazine=32 has the better median, but its runs overlap magazine=8's.
        let overlapping = try sweep(["magazine=8": [20, 19, 21, 20.5, 18], "magazine=32": [19, 18.5, 20.2, 19.4, 17.9],
                                     "magazine=128": [40, 41, 39, 40.5, 42]])
        #expect(overlapping.cannotTellApart(.throughput).map(\.parameters) == ["magazine=32", "magazine=8"])
        #expect(overlapping.verdict.contains("best throughput: cannot tell apart magazine=32"))
        #expect(overlapping.table.rows.first { $0[0] == "magazine=8" }?[5] == "throughput (tied), p99 (tied), footprint (tied)")
        let separated = try sweep(["magazine=8": [20, 19, 21, 20.5, 19.5], "magazine=32": [15, 14.5, 15.2, 14.9, 15.1]])
        #expect(separated.cannotTellApart(.throughput).map(\.parameters) == ["magazine=32"])
        #expect(separated.verdict.contains("best throughput: magazine=32 ("))
    }

    @Test("unknown keys and bad values are refused before anything runs", arguments: [
        ("colour=1,2", "unknown parameter 'colour'"), ("pcp_batch=many", "invalid value 'many'"),
        ("pcp_batch", "malformed --param"), ("pcp_batch=1,,2", "malformed --param"), ("pcp_batch=1,1", "repeats a value"),
    ])
    func refusesBadParameters(parameter: String, message: String) {
        #expect { try TuningGrid(engine: "kmem", parameters: [parameter]) } throws: { "\($0)".contains(message) }
    }

    @Test("a parameter fixed in --engine cannot be swept too")
    func refusesTwice() {
        #expect(throws: SpecError.self) { try TuningGrid(engine: "kmem:pcp_batch=4", parameters: ["pcp_batch=1,2"]) }
    }
}

@Suite("tuning sweeps in a results file") struct SweepDetectionTests {
    @Test("a group whose every setting was skipped is no sweep (and so no empty figure panel)")
    func skippedGroup() {
        let records = ["percpu=slub", "percpu=bonwick"].map { setting in
            var record = SyntheticResults.record(engine: "kmem", parameters: setting, workload: "cross-free", nsPerOp: 10)
            record[.status] = "skipped"
            return record
        }
        #expect(TuningResult.sweeps(in: records).isEmpty)
    }
}
