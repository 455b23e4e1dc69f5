/// What `kmembench list` prints: engines with availability and parameters, then workloads
/// with pattern, what they model and parameters with defaults.
public enum Listing {
    public static func text() -> String {
        var lines = ["ENGINES (NAME[:key=value,...])"]
        for engine in EngineRegistry.all {
            let status = engine.unavailableReason.map { "unavailable: \($0)" } ?? "available"
            lines.append("  \(engine.name) [\(engine.requestKinds)] (\(status))")
            lines.append("      \(engine.summary)")
            lines += parameterLines(engine.parameters)
        }
        lines.append("")
        lines.append("WORKLOADS (NAME[:key=value,...])")
        for entry in WorkloadRegistry.all {
            lines.append("  \(entry.info.name)")
            lines.append("      pattern: \(entry.info.pattern)")
            lines.append("      models:  \(entry.info.models)")
            lines += parameterLines(entry.info.parameters)
        }
        lines.append("")
        lines.append("SUITES: " + Suite.allCases.map { suite in
            "\(suite.rawValue) (\(suite.engines.joined(separator: ",")); threads \(suite.threads.map(String.init).joined(separator: ",")); "
                + "\(ResultRecord.format(suite.duration)) s x \(suite.repetitions))"
        }.joined(separator: "; "))
        return lines.joined(separator: "\n")
    }

    static func parameterLines(_ parameters: [ParameterSchema]) -> [String] {
        parameters.map { parameter in
            "      \(parameter.key)=\(parameter.defaultText ?? "(unset)")  [\(parameter.domainText)] \(parameter.help)"
        }
    }
}
