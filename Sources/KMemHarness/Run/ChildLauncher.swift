import Foundation

/// Runs one cell in a child process: this program again (or `executable`), with the hidden
/// `cell` subcommand, the engine's environment added, output in temporary files, and a
/// deadline after which the child is killed. A child that crashes, is killed, or prints no
/// result becomes a failure carrying the reason and the end of its standard error.
public struct ChildLauncher: Sendable {
    public static let resultPrefix = "KMEMBENCH-RESULT "
    public let executable: String

    /// `executable` defaults to the running program, resolved from /proc/self/exe.
    public init(executable: String? = nil) {
        self.executable = executable
            ?? (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? CommandLine.arguments[0]
    }

    public func run(_ request: CellRequest, environment: [String: String], timeout: Double) -> Result<CellResult, CellFailure> {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kmembench-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let stdoutURL = directory.appendingPathComponent("stdout"), stderrURL = directory.appendingPathComponent("stderr")
            FileManager.default.createFile(atPath: stdoutURL.path, contents: nil)
            FileManager.default.createFile(atPath: stderrURL.path, contents: nil)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = ["cell", "--request", String(decoding: try JSONEncoder().encode(request), as: UTF8.self)]
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
            process.standardOutput = try FileHandle(forWritingTo: stdoutURL)
            process.standardError = try FileHandle(forWritingTo: stderrURL)
            process.standardInput = FileHandle.nullDevice
            let exited = DispatchSemaphore(value: 0)
            process.terminationHandler = { _ in exited.signal() }
            try process.run()
            let timedOut = exited.wait(timeout: .now() + timeout) == .timedOut
            if timedOut {
                kill(process.processIdentifier, SIGKILL)
                exited.wait()
            }
            let output = (try? String(contentsOf: stdoutURL, encoding: .utf8)) ?? ""
            let errors = (try? String(contentsOf: stderrURL, encoding: .utf8)) ?? ""
            return interpret(process, timedOut: timedOut, timeout: timeout, output: output, errors: errors)
        } catch {
            return .failure(CellFailure("cannot start \(executable): \(error)"))
        }
    }

    private func interpret(_ process: Process, timedOut: Bool, timeout: Double, output: String, errors: String) -> Result<CellResult, CellFailure> {
        let tail = Self.tail(errors)
        if timedOut { return .failure(CellFailure("timed out after \(Int(timeout)) s and was killed" + tail)) }
        if process.terminationReason == .uncaughtSignal {
            let signal = process.terminationStatus
            return .failure(CellFailure("child killed by signal \(signal) (\(Self.signalName(signal)))" + tail))
        }
        guard let line = output.split(separator: "\n").last(where: { $0.hasPrefix(Self.resultPrefix) }) else {
            return .failure(CellFailure("child exited with status \(process.terminationStatus) and no result" + tail))
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

    static func signalName(_ signal: Int32) -> String {
        [SIGILL: "SIGILL", SIGTRAP: "SIGTRAP", SIGABRT: "SIGABRT", SIGSEGV: "SIGSEGV", SIGBUS: "SIGBUS",
         SIGKILL: "SIGKILL", SIGFPE: "SIGFPE"][signal] ?? "signal \(signal)"
    }
}

/// Why a cell produced no result.
public struct CellFailure: Error, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
