/// One parameter an engine or workload takes, its value's type erased: key, default, what it
/// means, which values are valid and how text becomes one. `list` prints these;
/// `ParameterValues` validates against them. Made only by a `Parameter` declaration, so the
/// domain shown and the parse applied cannot disagree.
public struct ParameterSchema: Sendable {
    public enum Domain: Sendable {
        /// An integer in a closed range.
        case integer(ClosedRange<Int>)
        /// `auto` (the component picks, as the kernel would) or an integer in a range.
        case integerOrAuto(ClosedRange<Int>)
        /// A number (fractions allowed) in a closed range.
        case number(ClosedRange<Double>)
        case choice([String])
        /// A byte count with an optional K/M/G suffix, in a closed range.
        case bytes(ClosedRange<Int>)
        /// A duration as `--duration` takes it (15s, 500ms), in a closed range of seconds.
        case duration(ClosedRange<Double>)
        /// `-` (none) or any set of these option letters, each at most once (slab_debug's FZPU).
        case letters(String)
        /// Free text the parameter checks itself (a file, a keyword or number), described here.
        case text(String)
    }

    public let key: String
    /// The default as `list` shows it; nil: unset unless given, so the component keeps its own.
    public let defaultText: String?
    public let help: String
    public let domain: Domain
    /// The typed value a parameter that is not given reads as.
    let defaultValue: any Sendable
    /// The typed value `text` stands for; nil when it is outside the domain.
    let parse: @Sendable (String) -> (any Sendable)?

    /// How `list` shows the valid values.
    public var domainText: String {
        switch domain {
        case .integer(let range): "\(range.lowerBound)...\(range.upperBound)"
        case .integerOrAuto(let range): "auto or \(range.lowerBound)...\(range.upperBound)"
        case .number(let range): "\(range.lowerBound)...\(range.upperBound)"
        case .choice(let choices): choices.joined(separator: "|")
        case .bytes(let range): "\(range.lowerBound)...\(range.upperBound) bytes (K/M/G suffixes)"
        case .duration(let range): "a duration of \(range.lowerBound)...\(range.upperBound) s (15s, 500ms)"
        case .letters(let letters): "- or any of \(letters.map(String.init).joined(separator: ", "))"
        case .text(let description): description
        }
    }
}

/// The validated parameters of one spec: every key known, every value parsed within its
/// domain, and defaults filled in. Reading through a declaration cannot fail after `init`
/// succeeded.
public struct ParameterValues: Sendable {
    /// The owner, for the message of a read through a parameter it does not declare.
    let what: String
    let values: [String: any Sendable]

    /// `what` names the owner in errors ("workload pair", "engine kmem").
    public init(_ spec: NamedSpec, schema: [ParameterSchema], what: String) throws(SpecError) {
        var values: [String: any Sendable] = [:]
        for parameter in spec.parameters {
            guard let entry = schema.first(where: { $0.key == parameter.key }) else {
                let allowed = schema.isEmpty ? "it takes no parameters" : "allowed: " + schema.map(\.key).joined(separator: ", ")
                throw SpecError("unknown parameter '\(parameter.key)' for \(what) (\(allowed))")
            }
            guard let value = entry.parse(parameter.value) else {
                throw SpecError("invalid value '\(parameter.value)' for \(what) parameter '\(parameter.key)': expected \(entry.domainText)")
            }
            values[parameter.key] = value
        }
        for entry in schema where values[entry.key] == nil { values[entry.key] = entry.defaultValue }
        self.what = what
        self.values = values
    }

    /// The value of one of the owner's declared parameters, as given or its default.
    public subscript<Value>(parameter: Parameter<Value>) -> Value {
        // Only a parameter the owner does not declare (a programming error) misses here.
        guard let stored = values[parameter.schema.key], let value = stored as? Value else {
            preconditionFailure("\(what) does not declare parameter '\(parameter.schema.key)' as \(Value.self)")
        }
        return value
    }
}
