import Foundation
import Glibc

/// Recording through perf: `perf record -a` of the kmem events around the workload, then
/// `perf script` into the text the importer reads. perf script prints no context flags.
extension TraceRecorder {
    func recordThroughPerf(into text: String, scratch data: String, log: (String) -> Void) throws -> (status: Int32, lost: Int) {
        guard Self.inPath("perf") else {
            throw TraceError("perf is not installed: `apt-get install -y linux-perf` (Debian; linux-tools on Ubuntu), "
                             + "or record with --via tracefs")
        }
        defer { unlink(data) }
        let events = Self.events.flatMap { ["-e", "kmem:\($0.eventName)"] }
        log("recording through perf while running \(workload.joined(separator: " "))")
        let status = try Self.run(["perf", "record", "-q", "-a", "-o", data] + events + ["--"] + workload)
        guard FileManager.default.fileExists(atPath: data) else {
            throw TraceError("perf record wrote nothing (exit \(status)); its messages above say why")
        }
        guard FileManager.default.createFile(atPath: text, contents: nil), let output = FileHandle(forWritingAtPath: text) else {
            throw TraceError("cannot write \(text)")
        }
        defer { try? output.close() }
        let scriptStatus = try Self.run(["perf", "script", "-i", data], output: output)
        guard scriptStatus == 0 else { throw TraceError("perf script failed (exit \(scriptStatus))") }
        // perf reports lost samples itself, on stderr; its text has no notices to count.
        return (status, 0)
    }

    static func inPath(_ name: String) -> Bool {
        (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
            .contains { FileManager.default.isExecutableFile(atPath: "\($0)/\(name)") }
    }
}
