import ArgumentParser
import Foundation
import KMemHarness

/// `kmembench report FILE.csv --out DIR`: a Markdown report with tables and figures (PNG and
/// SVG through scripts/plot.py and matplotlib).
struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a Markdown report with tables and plots (PNG and SVG) from a results CSV.")

    @Argument(help: "The results CSV (from run, tune or merge).")
    var file: String
    @Option(help: "Folder to write report.md, summary.csv and the figures into (created if missing).")
    var out: String
    @Option(help: "Engine the ratios are taken against (default: the run's reference).")
    var reference: String?
    @Flag(help: "Write the tables only, without running the plot script.")
    var noPlots = false

    func run() throws {
        // Every input checked before the folder is touched; errors print as themselves.
        let records = try ResultsReader.read(URL(fileURLWithPath: file))
        let input = try ReportInput(source: URL(fileURLWithPath: file).lastPathComponent, records: records,
                                    reference: try reference.map { text throws(SpecError) in try NamedSpec(parsing: text, what: "engine") })
        let plotter = noPlots ? nil : try Plotter.locate().get()
        let writer = try ReportWriter(directory: out)
        let files = try writer.write(input, plotter: plotter)
        print("wrote \(files.count) files into \(writer.directory.path): \(files.joined(separator: ", "))")
    }
}
