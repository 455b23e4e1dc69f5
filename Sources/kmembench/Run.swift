import ArgumentParser
import Foundation
import KMemHarness

/// `kmembench run`: engines x workloads x threads x repetitions, one child process per cell;
/// writes the results CSV and its summary, prints a table.
struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run workloads on engines, one process per cell, and write CSV results.")

    @Option(help: "Preset: \(Suite.allCases.map(\.rawValue).joined(separator: ", ")) (explicit options override its parts).")
    var suite: String?
    @Option(help: "Engines, NAME[:key=value,...] (see `kmembench list`), separated by ',' or ';' (a key=value item belongs to the engine before it).")
    var engines: String?
    @Option(help: "One engine spec; may be repeated, and adds to --engines.")
    var engine: [String] = []
    @Option(help: "Workloads, NAME[:key=value,...], separated by ',' or ';' (a key=value item belongs to the workload before it).")
    var workloads: String?
    @Option(help: "One workload spec; may be repeated, and adds to --workloads.")
    var workload: [String] = []
    @Option(help: "Engine the summary's ratios are taken against (default: the first).")
    var reference: String?
    @Option(help: "Run only part I of N (I/N, from 1/N): disjoint (workload, threads) groups; join the parts' CSVs with `merge`.")
    var shard: String?
    @OptionGroup var measure: MeasureOptions

    func run() throws {
        let (plan, output) = try makePlan()
        _ = try measure.measure(plan, into: output)
    }

    /// Every input checked before anything runs; errors exit non-zero and write nothing.
    func makePlan() throws -> (RunPlan, ResultsOutput) {
        do {
            let preset = try suite.map { name throws(SpecError) in
                guard let preset = Suite(rawValue: name) else {
                    throw SpecError("unknown suite '\(name)' (known: \(Suite.allCases.map(\.rawValue).joined(separator: ", ")))")
                }
                return preset
            }
            let output = try measure.output()
            var plan = try RunPlan(
                engines: Self.specs(engines, engine) ?? preset?.engines ?? ["kmem", "glibc", "jemalloc"],
                workloads: Self.specs(workloads, workload) ?? preset?.workloads ?? ["pair"],
                threads: try measure.threadCounts(preset: preset),
                repetitions: measure.repetitions ?? preset?.repetitions ?? 3,
                options: try measure.cellOptions(preset: preset), reference: reference ?? preset?.reference)
            plan.suite = suite ?? "custom"
            return (try shard.map { text throws(SpecError) in try plan.restricted(to: Shard(parsing: text)) } ?? plan, output)
        } catch {
            throw ValidationError(error.description)
        }
    }

    static func list(_ text: String) -> [String] {
        text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
    }

    static func specList(_ text: String) -> [String] { SpecList.split(text) }

    /// A list option and its repeatable one-spec option together; nil when neither was given.
    static func specs(_ list: String?, _ single: [String]) -> [String]? {
        list == nil && single.isEmpty ? nil : (list.map(specList) ?? []) + single
    }
}
