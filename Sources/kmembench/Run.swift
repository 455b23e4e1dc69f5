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
    @Option(help: "Comma-separated engines, NAME[:key=value,...] (see `kmembench list`); separate with ';' when they have parameters.")
    var engines: String?
    @Option(help: "Comma-separated workloads, NAME[:key=value,...]; separate several with ';' when they have parameters.")
    var workloads: String?
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
                engines: engines.map(Self.specList) ?? preset?.engines ?? ["kmem", "glibc", "jemalloc"],
                workloads: workloads.map(Self.specList) ?? preset?.workloads ?? ["pair"],
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
}
