/// One parameter an engine or workload takes: its key, default, what it means and which
/// values are valid. `list` prints these; `ParameterValues` validates against them.
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
    }

    public let key: String
    /// nil: unset unless given, so the component keeps its own default.
    public let defaultValue: String?
    public let help: String
    public let domain: Domain

    public init(_ key: String, default defaultValue: String?, _ domain: Domain, _ help: String) {
        self.key = key
        self.defaultValue = defaultValue
        self.domain = domain
        self.help = help
    }

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
        }
    }
}

/// The validated parameters of one spec: every key known, every value in its domain, and
/// defaults filled in. Typed accessors cannot fail after `init` succeeded.
public struct ParameterValues: Sendable {
    let schema: [ParameterSchema]
    let values: [String: String]
    /// Only the parameters the user wrote.
    public let given: [String: String]

    /// `what` names the owner in errors ("workload pair", "engine kmem").
    public init(_ spec: NamedSpec, schema: [ParameterSchema], what: String) throws(SpecError) {
        var values: [String: String] = [:]
        for parameter in spec.parameters {
            guard let entry = schema.first(where: { $0.key == parameter.key }) else {
                let allowed = schema.isEmpty ? "it takes no parameters" : "allowed: " + schema.map(\.key).joined(separator: ", ")
                throw SpecError("unknown parameter '\(parameter.key)' for \(what) (\(allowed))")
            }
            guard Self.isValid(parameter.value, entry.domain) else {
                throw SpecError("invalid value '\(parameter.value)' for \(what) parameter '\(parameter.key)': expected \(entry.domainText)")
            }
            values[parameter.key] = parameter.value
        }
        for entry in schema where values[entry.key] == nil { values[entry.key] = entry.defaultValue }
        given = Dictionary(uniqueKeysWithValues: spec.parameters.map { ($0.key, $0.value) })
        self.schema = schema
        self.values = values
    }

    public func string(_ key: String) -> String { values[key]! }
    public func int(_ key: String) -> Int { Int(values[key]!) ?? ByteCount.parse(values[key]!)! }
    public func double(_ key: String) -> Double { Double(values[key]!)! }
    public func seconds(_ key: String) -> Double { try! DurationText.seconds(values[key]!) }
    /// An `integerOrAuto` value: nil for auto.
    public func intOrAuto(_ key: String) -> Int? { values[key] == "auto" ? nil : int(key) }

    static func isValid(_ text: String, _ domain: ParameterSchema.Domain) -> Bool {
        switch domain {
        case .integer(let range): Int(text).map(range.contains) ?? false
        case .integerOrAuto(let range): text == "auto" || (Int(text).map(range.contains) ?? false)
        case .number(let range): Double(text).map(range.contains) ?? false
        case .choice(let choices): choices.contains(text)
        case .bytes(let range): ByteCount.parse(text).map(range.contains) ?? false
        case .duration(let range): (try? DurationText.seconds(text)).map(range.contains) ?? false
        case .letters(let letters):
            text == "-" || (!text.isEmpty && Set(text.uppercased()).count == text.count
                            && text.uppercased().allSatisfy(letters.contains))
        }
    }
}
