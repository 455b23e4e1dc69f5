/// An engine or workload parameter, declared once as a `static let` with its key, default,
/// valid values, help and the parse from the text users type to `Value`. The component
/// lists `schema` (what `list` prints and validation checks) and reads the value back typed
/// through the same declaration: `values[Pair.kind]` is a `BlockKind`.
public struct Parameter<Value: Sendable>: Sendable {
    public let schema: ParameterSchema

    /// `parse` gives nil for text outside `domain`; `defaultText` nil shows the default as unset.
    init(_ key: String, default value: Value, text defaultText: String?, _ domain: ParameterSchema.Domain,
         _ help: String, parse: @escaping @Sendable (String) -> Value?) {
        schema = ParameterSchema(key: key, defaultText: defaultText, help: help, domain: domain,
                                 defaultValue: value, parse: { parse($0) })
    }

    /// A parameter whose default is written as users write it (256M, 15s): it must parse.
    init(_ key: String, default text: String, _ domain: ParameterSchema.Domain, _ help: String,
         parse: @escaping @Sendable (String) -> Value?) {
        guard let value = parse(text) else { preconditionFailure("parameter '\(key)': default '\(text)' is invalid") }
        self.init(key, default: value, text: text, domain, help, parse: parse)
    }
}

extension Parameter where Value == Int {
    /// An integer in `range`.
    public static func integer(_ key: String, default value: Int, _ range: ClosedRange<Int>, _ help: String) -> Self {
        Self(key, default: value, text: String(value), .integer(range), help) { Int($0).within(range) }
    }

    /// A byte count with an optional K/M/G suffix, in `range`; the default as users write it.
    public static func bytes(_ key: String, default text: String, _ range: ClosedRange<Int>, _ help: String) -> Self {
        Self(key, default: text, .bytes(range), help) { ByteCount.parse($0).within(range) }
    }
}

extension Parameter where Value == Int? {
    /// `auto`, the default, reads as nil (the component picks, as the kernel would); else an
    /// integer in `range`.
    public static func integerOrAuto(_ key: String, _ range: ClosedRange<Int>, _ help: String) -> Self {
        Self(key, default: nil, text: "auto", .integerOrAuto(range), help) { text in
            text == "auto" ? .some(nil) : Int(text).within(range).map(Optional.some)
        }
    }

    /// An integer in `range`, unset (nil) unless given: the component keeps its own default.
    public static func unsetInteger(_ key: String, _ range: ClosedRange<Int>, _ help: String) -> Self {
        Self(key, default: nil, text: nil, .integer(range), help) { Int($0).within(range).map(Optional.some) }
    }
}

extension Parameter where Value == Double {
    /// A number (fractions allowed) in `range`.
    public static func number(_ key: String, default value: Double, _ range: ClosedRange<Double>, _ help: String) -> Self {
        // Whole defaults print as written (5000, not 5000.0).
        let text = Int(exactly: value).map(String.init) ?? String(value)
        return Self(key, default: value, text: text, .number(range), help) { Double($0).within(range) }
    }
}

extension Parameter where Value == Duration {
    /// A duration as `--duration` takes it (15s, 500ms), within `range` seconds; the default
    /// as users write it.
    public static func duration(_ key: String, default text: String, _ range: ClosedRange<Double>,
                                _ help: String) -> Self {
        Self(key, default: text, .duration(range), help) { text in
            (try? DurationText.seconds(text)).within(range).map { Duration.seconds($0) }
        }
    }
}

extension Parameter where Value == Bool {
    /// `true` or `false`.
    public static func flag(_ key: String, default value: Bool, _ help: String) -> Self {
        Self(key, default: value, text: String(value), .choice(["true", "false"]), help) { Bool($0) }
    }
}

extension Parameter where Value == String {
    /// `-` (none) or any set of `letters`, each at most once, in either case.
    public static func letters(_ key: String, default text: String, _ letters: String, _ help: String) -> Self {
        Self(key, default: text, .letters(letters), help) { text in
            let upper = text.uppercased()
            let valid = text == "-" || (!text.isEmpty && Set(upper).count == text.count && upper.allSatisfy(letters.contains))
            return valid ? text : nil
        }
    }
}

extension Parameter where Value: RawRepresentable<String> & CaseIterable {
    /// One of `choices` by raw value, all cases unless narrowed: a new case is valid at once.
    public static func choice(_ key: String, default value: Value, among choices: [Value] = Array(Value.allCases),
                              _ help: String) -> Self {
        Self(key, default: value, text: value.rawValue, .choice(choices.map(\.rawValue)), help) { text in
            choices.first { $0.rawValue == text }
        }
    }
}

extension Parameter {
    /// `auto`, the default, reads as nil (the component picks); else one of `Wrapped`'s cases.
    public static func choiceOrAuto<Wrapped: RawRepresentable<String> & CaseIterable & Sendable>(
        _ key: String, _ help: String) -> Self where Value == Wrapped? {
        Self(key, default: nil, text: "auto", .choice(["auto"] + Wrapped.allCases.map(\.rawValue)), help) { text in
            text == "auto" ? .some(nil) : Wrapped(rawValue: text).map(Optional.some)
        }
    }

    /// One of `Wrapped`'s cases, unset (nil) unless given: the component keeps its own default.
    public static func unsetChoice<Wrapped: RawRepresentable<String> & CaseIterable & Sendable>(
        _ key: String, _ help: String) -> Self where Value == Wrapped? {
        Self(key, default: nil, text: nil, .choice(Wrapped.allCases.map(\.rawValue)), help) { text in
            Wrapped(rawValue: text).map(Optional.some)
        }
    }
}

extension Optional where Wrapped: Comparable {
    /// The value when it lies in `range`, else nil.
    fileprivate func within(_ range: ClosedRange<Wrapped>) -> Wrapped? {
        flatMap { range.contains($0) ? $0 : nil }
    }
}
