import Foundation
@testable import KMemHarness
import Testing

@Suite("compare") struct CompareTests {
    /// Five repetitions around 100 ns/op, spread 0.4%.
    static let baseline = [99.8, 100.0, 100.2, 99.9, 100.1]

    static func candidate(_ factor: Double) -> [ResultRecord] {
        SyntheticResults.cell(engine: "kmem", nsPerOp: baseline.reversed().map { $0 * factor })
            + SyntheticResults.cell(engine: "glibc", nsPerOp: baseline)
    }

    static var base: [ResultRecord] {
        SyntheticResults.cell(engine: "kmem", nsPerOp: baseline) + SyntheticResults.cell(engine: "glibc", nsPerOp: baseline)
    }

    @Test("a 10% slowdown is a regression at 5%, a 1% one is not")
    func flagsTenNotOne() throws {
        let ten = try Comparison(baseline: Self.base, candidate: Self.candidate(1.10), threshold: 0.05)
        #expect(ten.regressed)
        #expect(ten.rows.first { $0.cell[0] == "kmem" }?.verdict == .regressed)
        #expect(ten.rows.first { $0.cell[0] == "glibc" }?.verdict == .unchanged)
        let one = try Comparison(baseline: Self.base, candidate: Self.candidate(1.01), threshold: 0.05)
        #expect(!one.regressed)
        #expect(one.rows.allSatisfy { $0.verdict == .unchanged })
    }

    @Test("cells in one file only are listed, and a cell failing in B is a regression")
    func listsOneSided() throws {
        var candidate = Self.candidate(1) + SyntheticResults.cell(engine: "floor", nsPerOp: [5])
        for index in candidate.indices where candidate[index][.engine] == "glibc" { candidate[index][.status] = "failed" }
        let comparison = try Comparison(baseline: Self.base + SyntheticResults.cell(engine: "jemalloc", nsPerOp: [9]),
                                        candidate: candidate)
        #expect(comparison.onlyInBaseline == [["jemalloc", "pair", "1"]])
        #expect(comparison.onlyInCandidate == [["floor", "pair", "1"]])
        #expect(comparison.rows.first { $0.cell[0] == "glibc" }?.verdict == .failed)
        #expect(comparison.regressed)
    }

    @Test("kmembench compare refuses a mistyped --metric, naming it and the known columns")
    func mistypedMetric() throws {
        let a = try SyntheticResults.write(Self.base)
        let outcome = try runKmembench(["compare", a.path, a.path, "--metric", "p99ns"])
        #expect(outcome.status != 0)
        #expect(outcome.errors.contains("unknown column 'p99ns'") && outcome.errors.contains("p99_ns"), "\(outcome.errors)")
    }

    @Test("kmembench compare exits 2 on a regression and 0 without", arguments: [(1.10, Int32(2)), (1.01, Int32(0))])
    func exitCodes(factor: Double, status: Int32) throws {
        let a = try SyntheticResults.write(Self.base), b = try SyntheticResults.write(Self.candidate(factor))
        #expect(try runKmembench(["compare", a.path, b.path, "--threshold", "5%"]).status == status)
    }
}
