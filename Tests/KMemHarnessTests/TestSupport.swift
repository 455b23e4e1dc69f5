import Foundation
@testable import KMemHarness

/// Runs a workload spec in this process on `engine`, limited by rounds.
func runInProcess<E: Engine>(_ workload: String, on engine: E, threads: Int = 1, rounds: Int = 200, seed: UInt64 = 7)
    throws -> WorkloadContext.Collected {
    let spec = try NamedSpec(parsing: workload, what: "workload")
    let entry = try WorkloadRegistry.entry(spec.name)
    let values = try ParameterValues(spec, schema: entry.info.parameters, what: "workload")
    let context = WorkloadContext(options: CellOptions(threads: threads, seed: seed, rounds: rounds, samplePeriod: 16))
    entry.type.init(values).run(on: engine, context)
    return context.collected.withLock { $0 }
}

/// The kmembench executable `swift test` built beside the test bundle.
var kmembenchExecutable: String {
    let bundle = URL(fileURLWithPath: (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
                     ?? CommandLine.arguments[0])
    var directory = bundle.deletingLastPathComponent()
    while !FileManager.default.fileExists(atPath: directory.appendingPathComponent("kmembench").path),
          directory.path != "/" {
        directory = directory.deletingLastPathComponent()
    }
    return directory.appendingPathComponent("kmembench").path
}

/// A fresh temporary directory.
func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("kmembench-test-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}
