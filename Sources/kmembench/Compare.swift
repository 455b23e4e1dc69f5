import ArgumentParser
import Foundation
import KMemHarness

/// `kmembench compare A.csv B.csv`: B against A cell by cell; exits 2 on a regression, as
/// package-benchmark's threshold checks do, so CI can gate on it.
struct Compare: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compare two results CSVs cell by cell; exit 2 when B regressed beyond the threshold.")

    @Argument(help: "The baseline results CSV (A).")
    var baseline: String
    @Argument(help: "The candidate results CSV (B).")
    var candidate: String
    @Option(help: "Regression threshold on the ratio of medians, e.g. 5% or 0.05.")
    var threshold = "5%"
    @Option(help: "Lower-is-better metric: \(Comparison.metrics.map(\.name).joined(separator: ", ")).")
    var metric = "ns_per_op"

    func run() throws {
        // File and input errors print as themselves (file, line, column), without usage.
        let comparison = try Comparison(
            baseline: ResultsReader.read(URL(fileURLWithPath: baseline)),
            candidate: ResultsReader.read(URL(fileURLWithPath: candidate)),
            metric: try CSVColumn.named(metric), threshold: try Self.fraction(threshold))
        print(comparison.text)
        if comparison.regressed { throw ExitCode(2) }
    }

    /// "5%" or "0.05".
    static func fraction(_ text: String) throws(SpecError) -> Double {
        let percent = text.hasSuffix("%")
        guard let value = Double(percent ? String(text.dropLast()) : text), value >= 0 else {
            throw SpecError("malformed threshold '\(text)': expected e.g. 5% or 0.05")
        }
        return percent ? value / 100 : value
    }
}
