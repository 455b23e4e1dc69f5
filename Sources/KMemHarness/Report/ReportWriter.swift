import Foundation

/// Writes a report folder: report.md, summary.csv (the summary the report's numbers come
/// from), plots.json (what the figures show) and, unless plotting is off, FILE.png and
/// FILE.svg for every figure. Every file is written whole.
public struct ReportWriter: Sendable {
    public let directory: URL

    public init(directory: String) throws(SpecError) {
        let url = URL(fileURLWithPath: directory)
        do { try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true) } catch {
            throw SpecError("cannot create report folder '\(directory)': \((error as NSError).localizedDescription)")
        }
        guard access(url.path, W_OK) == 0 else { throw SpecError("report folder '\(directory)' is not writable") }
        self.directory = url
    }

    /// Returns the files written, by name.
    @discardableResult
    public func write(_ input: ReportInput, plotter: Plotter?) throws -> [String] {
        let plots = PlotSet(input)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let plotsURL = directory.appendingPathComponent("plots.json")
        try WholeFile.write(try encoder.encode(plots), to: plotsURL)
        try WholeFile.write(CSVFile.render(input.summary),
                            to: directory.appendingPathComponent("summary.csv"))
        try plotter?.draw(plotsURL, into: directory)
        try WholeFile.write(ReportDocument.markdown(input, plots: plots), to: directory.appendingPathComponent("report.md"))
        return ["report.md", "summary.csv", "plots.json"]
            + (plotter == nil ? [] : plots.plots.flatMap { ["\($0.file).png", "\($0.file).svg"] })
    }
}
