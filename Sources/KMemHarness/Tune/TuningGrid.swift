/// The points a `tune` sweep measures: the cartesian product of every swept parameter's
/// values, each point an engine spec (the base spec's own parameters, then the swept ones in
/// the order given, the first varying slowest). Every point is checked against the engine's
/// parameter schema before anything runs, so an unknown key or a bad value is reported with
/// the schema's own message and what is allowed.
public struct TuningGrid: Sendable {
    public let base: NamedSpec
    /// Swept parameters in the order given, each with its values.
    public let axes: [(key: String, values: [String])]
    public let points: [NamedSpec]

    /// `engine` is `NAME[:key=value,...]`; each of `parameters` is `key=v1,v2,...`.
    public init(engine: String, parameters: [String]) throws(SpecError) {
        let base = try NamedSpec(parsing: engine, what: "engine")
        guard !parameters.isEmpty else { throw SpecError("nothing to sweep: give at least one --param key=v1,v2,...") }
        var axes: [(key: String, values: [String])] = []
        for text in parameters {
            let parts = text.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let values = parts.count == 2 ? parts[1].split(separator: ",", omittingEmptySubsequences: false).map(String.init) : []
            guard parts.count == 2, !parts[0].isEmpty, !values.isEmpty, !values.contains("") else {
                throw SpecError("malformed --param '\(text)': expected key=value1,value2,...")
            }
            let key = String(parts[0])
            guard base.value(key) == nil, !axes.contains(where: { $0.key == key }) else {
                throw SpecError("parameter '\(key)' is given twice (in --engine or another --param)")
            }
            guard Set(values).count == values.count else { throw SpecError("--param '\(text)' repeats a value") }
            axes.append((key, values))
        }
        self.base = base
        self.axes = axes
        points = axes.reduce([base.parameters]) { partial, axis in
            partial.flatMap { prefix in axis.values.map { prefix + [NamedSpec.Parameter(key: axis.key, value: $0)] } }
        }.map { NamedSpec(name: base.name, parameters: $0) }
        for point in points { _ = try EngineRegistry.validate(point) }
    }
}
