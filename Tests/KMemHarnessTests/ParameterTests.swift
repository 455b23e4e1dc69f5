import KMem
@testable import KMemHarness
import Testing

/// A component with one parameter of each kind, to read back typed.
private enum Sample {
    enum Shape: String, CaseIterable, Sendable { case round, square }

    static let count = Parameter.integer("count", default: 3, 1...10, "an integer")
    static let size = Parameter.bytes("size", default: "4K", 1...(1 << 20), "a byte count")
    static let batch = Parameter.integerOrAuto("batch", 1...100, "auto or an integer")
    static let share = Parameter.number("share", default: 0.5, 0...1, "a number")
    static let period = Parameter.duration("period", default: "15s", 0.001...3600, "a duration")
    static let strict = Parameter.flag("strict", default: false, "a flag")
    static let debug = Parameter.letters("debug", default: "-", "FZPU", "option letters")
    static let shape = Parameter.choice("shape", default: Shape.round, "an enum case")
    static let tuning = Parameter.unsetInteger("tuning", 0...9, "unset unless given")

    static let schema = [count.schema, size.schema, batch.schema, share.schema, period.schema, strict.schema,
                         debug.schema, shape.schema, tuning.schema]

    static func values(_ parameters: String) throws(SpecError) -> ParameterValues {
        try ParameterValues(NamedSpec(parsing: "sample:" + parameters, what: "sample"), schema: schema, what: "sample")
    }
}

@Suite("typed parameters") struct ParameterTests {
    @Test("each kind reads back typed, as given")
    func typedGiven() throws {
        let values = try Sample.values("count=7,size=64K,batch=31,share=0.25,period=500ms,strict=true,debug=fz,"
                                       + "shape=square,tuning=4")
        #expect(values[Sample.count] == 7)
        #expect(values[Sample.size] == 64 << 10)
        #expect(values[Sample.batch] == 31)
        #expect(values[Sample.share] == 0.25)
        #expect(values[Sample.period] == .milliseconds(500))
        #expect(values[Sample.strict] == true)
        #expect(values[Sample.debug] == "fz")
        #expect(values[Sample.shape] == .square)
        #expect(values[Sample.tuning] == 4)
    }

    @Test("each kind reads back typed, as defaulted")
    func typedDefaults() throws {
        let values = try ParameterValues(NamedSpec(name: "sample"), schema: Sample.schema, what: "sample")
        #expect(values[Sample.count] == 3)
        #expect(values[Sample.size] == 4096)
        #expect(values[Sample.batch] == nil)
        #expect(values[Sample.share] == 0.5)
        #expect(values[Sample.period] == .seconds(15))
        #expect(values[Sample.strict] == false)
        #expect(values[Sample.debug] == "-")
        #expect(values[Sample.shape] == .round)
        #expect(values[Sample.tuning] == nil)
        #expect(try Sample.values("batch=auto")[Sample.batch] == nil)
    }

    @Test("the schema shows each default as written")
    func defaultText() {
        #expect(Sample.schema.map(\.defaultText) == ["3", "4K", "auto", "0.5", "15s", "false", "-", "round", nil])
        #expect(Parameter.number("rate", default: 5000, 1...1e6, "").schema.defaultText == "5000")
    }

    @Test("an unknown key names the owner and the allowed keys")
    func unknownKey() {
        let error = #expect(throws: SpecError.self) { try Sample.values("colour=blue") }
        #expect(error?.description == "unknown parameter 'colour' for sample (allowed: count, size, batch, share, "
            + "period, strict, debug, shape, tuning)")
        let none = #expect(throws: SpecError.self) {
            try ParameterValues(NamedSpec(parsing: "floor:x=1", what: "engine"), schema: [], what: "engine floor")
        }
        #expect(none?.description == "unknown parameter 'x' for engine floor (it takes no parameters)")
    }

    static let bad: [(spec: String, message: String)] = [
        ("count=11", "invalid value '11' for sample parameter 'count': expected 1...10"),
        ("size=huge", "invalid value 'huge' for sample parameter 'size': expected 1...1048576 bytes (K/M/G suffixes)"),
        ("batch=0", "invalid value '0' for sample parameter 'batch': expected auto or 1...100"),
        ("share=2", "invalid value '2' for sample parameter 'share': expected 0.0...1.0"),
        ("period=2h", "invalid value '2h' for sample parameter 'period': expected a duration of 0.001...3600.0 s (15s, 500ms)"),
        ("strict=yes", "invalid value 'yes' for sample parameter 'strict': expected true|false"),
        ("debug=FF", "invalid value 'FF' for sample parameter 'debug': expected - or any of F, Z, P, U"),
        ("shape=oval", "invalid value 'oval' for sample parameter 'shape': expected round|square"),
        ("tuning=10", "invalid value '10' for sample parameter 'tuning': expected 0...9"),
    ]

    @Test("a bad value names the parameter and the expected values", arguments: bad.indices)
    func badValue(index: Int) {
        let error = #expect(throws: SpecError.self) { try Sample.values(Self.bad[index].spec) }
        #expect(error?.description == Self.bad[index].message)
    }

    @Test("an enum choice offers exactly its cases, in order, or the narrowed ones")
    func choicesAreAllCases() throws {
        func choices(_ schema: ParameterSchema) -> [String]? {
            if case .choice(let choices) = schema.domain { choices } else { nil }
        }
        #expect(choices(Sample.shape.schema) == Sample.Shape.allCases.map(\.rawValue))
        #expect(choices(Pair.kind.schema) == BlockKind.allCases.map(\.rawValue))
        #expect(choices(VmallocCases.testCase.schema) == VmallocCases.Case.allCases.map(\.rawValue))
        #expect(choices(KMemEngine.percpu.schema) == ["auto"] + PerCPUDesign.allCases.map(\.rawValue))
        #expect(choices(KMemEngine.kernel.schema) == KernelProfile.allCases.map(\.rawValue))
        #expect(try EngineRegistry.validate(NamedSpec(name: "kmem"))[KMemEngine.percpu] == nil)
        #expect(choices(KMemEngine.fastPath.schema) == PerCPUFastPath.allCases.map(\.rawValue))
        #expect(choices(BlockKind.parameter.schema) == ["objects", "pages"])
        for design in PerCPUDesign.allCases {
            let values = try EngineRegistry.validate(NamedSpec(parsing: "kmem:percpu=\(design.rawValue)", what: "engine"))
            #expect(values[KMemEngine.percpu] == design)
        }
    }

    @Test("every declared default is valid for its own parameter")
    func defaultsValid() {
        let schemas = EngineRegistry.all.flatMap(\.parameters) + WorkloadRegistry.all.flatMap(\.info.parameters)
        for schema in schemas {
            #expect(schema.defaultText.map { schema.parse($0) != nil } ?? true, "\(schema.key)=\(schema.defaultText ?? "")")
        }
    }
}

@Suite("engine kinds") struct EngineKindTests {
    @Test("each engine's kind matches its name and builds that engine")
    func kindsMatchNames() throws {
        for info in EngineRegistry.all {
            switch info.kind {
            case .kmem: #expect(info.name == "kmem")
            case .baseline(let which): #expect(info.name == which.rawValue && info.baseline == which)
            case .floor: #expect(info.name == "floor")
            case .mmap: #expect(info.name == "mmap")
            }
        }
        guard case .mmap = try EngineRegistry.make(NamedSpec(name: "mmap")) else { Issue.record("mmap"); return }
        guard case .floor = try EngineRegistry.make(NamedSpec(name: "floor")) else { Issue.record("floor"); return }
    }
}
