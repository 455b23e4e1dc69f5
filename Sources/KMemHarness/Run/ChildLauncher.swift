import Foundation

/// Runs one cell in a child process: this program again (or `executable`), with the hidden
/// `cell` subcommand, the engine's environment added, output in temporary files, and a
/// deadline after which the child is stopped (SIGTERM, then SIGKILL). A child that crashes,
/// is killed, or prints no result becomes a failure carrying the reason and the end of its
/// standard error.
public struct ChildLauncher: Sendable {
    public static let resultPrefix = "KMEMBENCH-RESULT "
    public let executable: String

    /// `executable` defaults to the running program, resolved from /proc/self/exe.
    public init(executable: String? = nil) {
        self.executable = executable
            ?? (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? CommandLine.arguments[0]
    }

    /// The cell's result or why there is none; nil when `stop` was requested before the child
    /// ended (the child is then stopped and the cell has no outcome).
    public func run(_ request: CellRequest, environment: [String: String], timeout: Double,
                    stop: StopRequest? = nil) -> Result<CellResult, CellFailure>? {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kmembench-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let stdout = directory.appendingPathComponent("stdout").path, stderr = directory.appendingPathComponent("stderr").path
            let child = try ChildProcess.spawn(
                executable, ["cell", "--request", String(decoding: try JSONEncoder().encode(request), as: UTF8.self)],
                environment: ProcessInfo.processInfo.environment.merging(environment) { $1 }, stdout: stdout, stderr: stderr)
            let exit = child.wait(until: .now + .seconds(timeout)) { stop?.received == nil }
            let errors = { (try? String(contentsOfFile: stderr, encoding: .utf8)) ?? "" }
            guard let exit else {
                let end = child.terminate()
                if stop?.received != nil { return nil }
                let unreaped = end == nil ? " (and did not exit after SIGKILL: pid \(child.pid) left)" : ""
                return .failure(CellFailure("timed out after \(Int(timeout)) s and was killed" + unreaped + Self.tail(errors())))
            }
            let output = (try? String(contentsOfFile: stdout, encoding: .utf8)) ?? ""
            return interpret(exit, output: output, errors: errors())
        } catch let failure as CellFailure {
            return .failure(failure)
        } catch {
            return .failure(CellFailure("cannot start \(executable): \(error)"))
        }
    }

    private func interpret(_ exit: ChildProcess.Exit, output: String, errors: String) -> Result<CellResult, CellFailure> {
        let tail = Self.tail(errors)
        if case .signaled(let signal) = exit {
            return .failure(CellFailure("child killed by signal \(signal) (\(Self.signalName(signal)))" + tail))
        }
        guard let line = output.split(separator: "\n").last(where: { $0.hasPrefix(Self.resultPrefix) }) else {
            let status = if case .exited(let code) = exit { "with status \(code)" } else { "(status lost: reaped elsewhere)" }
            return .failure(CellFailure("child exited \(status) and no result" + tail))
        }
        do {
            return .success(try JSONDecoder().decode(CellResult.self, from: Data(line.dropFirst(Self.resultPrefix.count).utf8)))
        } catch {
            return .failure(CellFailure("unreadable result from child: \(error)"))
        }
    }

    /// The last lines of the child's standard error, on one line.
    static func tail(_ errors: String) -> String {
        let lines = errors.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !lines.isEmpty else { return "" }
        return ": " + String(lines.suffix(3).joined(separator: " | ").prefix(400))
    }

    public static func signalName(_ signal: Int32) -> String {
        [SIGILL: "SIGILL", SIGTRAP: "SIGTRAP", SIGABRT: "SIGABRT", SIGSEGV: "SIGSEGV", SIGBUS: "SIGBUS",
         SIGKILL: "SIGKILL", SIGFPE: "SIGFPE", SIGINT: "SIGINT", SIGTERM: "SIGTERM"][signal] ?? "signal \(signal)"
    }
}

/// Why a cell produced no result.
public struct CellFailure: Error, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
