/// What scripts/plot.py draws, decided here so that every number in a plot comes from the
/// same medians and intervals as the report's tables: the script only lays out and renders.
/// One figure per spec, as FILE.png and FILE.svg, with one panel per workload (or per sweep).
public struct PlotSet: Codable, Sendable {
    /// Series labels in colour order, so an engine has one colour in every figure.
    public var colourOrder: [String]
    public var plots: [PlotSpec]
}

public struct PlotSpec: Codable, Sendable {
    public enum Kind: String, Codable, Sendable {
        /// One bar per series in each panel, with error bars.
        case bars
        /// One line per series in each panel.
        case lines
        /// First series: every setting (points); second: the Pareto front (line, labelled).
        case pareto
    }

    public struct Series: Codable, Sendable {
        public var label: String
        public var x: [Double]
        /// nil where the series has no value (a cell that failed or was skipped).
        public var y: [Double?]
        /// Error bar ends, beside `y`.
        public var low: [Double?]?
        public var high: [Double?]?
        /// Text beside each point (Pareto settings).
        public var pointLabels: [String]?
    }

    public struct Panel: Codable, Sendable {
        public var title: String
        public var series: [Series]
    }

    /// Base name of the image files.
    public var file: String
    public var kind: Kind
    public var title: String
    /// The sentence under the image in the report.
    public var caption: String
    public var xLabel: String
    public var yLabel: String
    public var yLog = false
    /// Start the y axis at zero, so heights compare as ratios (throughput); off where the
    /// change matters more than the level (RSS over time).
    public var yFromZero = false
    /// Tick positions and their text, when the axis is not plain numbers (percentiles).
    public var xTicks: [Double]?
    public var xTickLabels: [String]?
    public var panels: [Panel]
}
