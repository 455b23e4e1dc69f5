import Foundation

/// The columns every row of one run shares.
public struct RunMetadata: Sendable {
    public var runID: String
    public var timestamp: String
    public var gitRevision: String
    public var host: String
    public var cpus: Int

    public static func current() -> RunMetadata {
        let formatter = ISO8601DateFormatter()
        let now = Date()
        return RunMetadata(
            runID: "\(Int(now.timeIntervalSince1970))-\(String(UUID().uuidString.prefix(8)).lowercased())",
            timestamp: formatter.string(from: now), gitRevision: gitRevision(),
            host: ProcessInfo.processInfo.hostName, cpus: ProcessInfo.processInfo.activeProcessorCount)
    }

    /// KMEMBENCH_GIT_REV if set (scripts/bench sets it), else `git rev-parse` in the current
    /// directory, else "unknown".
    static func gitRevision() -> String {
        if let revision = ProcessInfo.processInfo.environment["KMEMBENCH_GIT_REV"], !revision.isEmpty { return revision }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git", "rev-parse", "--short=12", "HEAD"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return "unknown" }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return process.terminationStatus == 0 && !text.isEmpty ? text : "unknown"
    }
}
