import Foundation

/// Runs scripts/plot.py (matplotlib, which the script installs when missing) on a PlotSet
/// written as JSON. The script is found beside the sources this program was built from, so
/// `.build/release/kmembench report` works from any directory; KMEMBENCH_PLOT_SCRIPT
/// overrides.
public struct Plotter: Sendable {
    public let script: URL

    public init(script: URL) { self.script = script }

    /// The script next to this build, or nil (with where it looked).
    public static func locate() -> Result<Plotter, SpecError> {
        if let path = ProcessInfo.processInfo.environment["KMEMBENCH_PLOT_SCRIPT"], !path.isEmpty {
            return .success(Plotter(script: URL(fileURLWithPath: path)))
        }
        let executable = URL(fileURLWithPath: (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
                             ?? CommandLine.arguments[0])
        var starts = [URL(fileURLWithPath: FileManager.default.currentDirectoryPath)]
        starts.append(executable.deletingLastPathComponent())
        for start in starts {
            var directory = start
            while true {
                let candidate = directory.appendingPathComponent("scripts/plot.py")
                if FileManager.default.fileExists(atPath: candidate.path) { return .success(Plotter(script: candidate)) }
                guard directory.path != "/" else { break }
                directory.deleteLastPathComponent()
            }
        }
        return .failure(SpecError("cannot find scripts/plot.py above \(starts.map(\.path).joined(separator: " or ")); "
                                  + "set KMEMBENCH_PLOT_SCRIPT or pass --no-plots"))
    }

    /// Draws every plot of `plots.json` into `directory`; a failure carries the script's own
    /// message (a missing python3, a failed matplotlib install).
    public func draw(_ plots: URL, into directory: URL) throws(SpecError) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script.path, plots.path, directory.path]
        let errors = Pipe()
        process.standardError = errors
        do { try process.run() } catch { throw SpecError("cannot start python3: \(error)") }
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw SpecError("\(script.path) failed (status \(process.terminationStatus)): "
                            + message.trimmingCharacters(in: .whitespacesAndNewlines))
        }
    }
}
