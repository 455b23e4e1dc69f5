import Foundation
import Glibc

/// `trace record`: the kmem tracepoints recorded system-wide while a command runs or for a
/// number of seconds, then imported from their text. Through a tracefs instance of our own
/// (`TraceRecorder+Tracefs.swift`: its text has the latency column, so the trace has context
/// flags), or through perf (`TraceRecorder+Perf.swift`: perf script has no context flags).
public struct TraceRecorder {
    public enum Tool: String, CaseIterable, Sendable { case tracefs, perf }

    public static let tracefs = "/sys/kernel/tracing"
    public static let events: [TraceEventKind] = [.kmalloc, .kfree, .cacheAlloc, .cacheFree, .pageAlloc, .pageFree, .zoneLocked]

    public var seconds: Double
    public var command: [String]
    /// Ring buffer per CPU: large, so that a busy second is not overwritten before it is read.
    public var bufferKB: Int
    public var tool: Tool

    public init(seconds: Double, command: [String], bufferKB: Int = 262_144, tool: Tool = .tracefs) {
        self.seconds = seconds
        self.command = command
        self.bufferKB = bufferKB
        self.tool = tool
    }

    /// Records, imports and writes `out` (whole or not at all). `log` gets progress notes.
    public func record(to out: String, log: (String) -> Void) throws -> TraceTextImporter.Outcome {
        guard geteuid() == 0 else {
            throw TraceError("trace record needs root: the kmem tracepoints are reached through tracefs, which only root "
                             + "may write; run it as root (sudo kmembench trace record ...)")
        }
        // Checked first: a recording is not to be thrown away for want of a place to put it.
        let directory = URL(fileURLWithPath: out).deletingLastPathComponent().path
        guard access(directory, W_OK) == 0 else {
            throw TraceError("cannot write \(out): \(directory) is not a writable directory (\(String(cString: strerror(errno))))")
        }
        try Self.ensureTracefs()
        for kind in Self.events where !FileManager.default.fileExists(atPath: "\(Self.tracefs)/events/kmem/\(kind.eventName)") {
            throw TraceError("this kernel has no kmem:\(kind.eventName) tracepoint (\(Self.tracefs)/events/kmem/\(kind.eventName) "
                             + "is missing): it needs CONFIG_TRACEPOINTS and the kmem events; `perf list 'kmem:*'` shows what it has")
        }
        let text = Self.sibling(of: out, "text")
        defer { unlink(text) }
        let (status, lost) = switch tool {
        case .tracefs: try recordThroughTracefs(into: text, log: log)
        case .perf: try recordThroughPerf(into: text, scratch: Self.sibling(of: out, "perf"), log: log)
        }
        var outcome = try TraceTextImporter().importFile(text)
        outcome.lostEvents += lost
        outcome.trace.source = "\(tool.rawValue) on \(ProcessInfo.processInfo.hostName), Linux \(Self.kernelRelease())"
            + (command.isEmpty ? ", \(seconds) s" : ", while running `\(command.joined(separator: " "))` (exit \(status))")
        try outcome.trace.write(to: out)
        return outcome
    }

    /// The command, or `sleep` for the seconds, as arguments.
    var workload: [String] { command.isEmpty ? ["sleep", "\(seconds)"] : command }

    /// Runs `arguments` to its end (a bare name is looked up in PATH), its output to `output`
    /// when given; returns its exit status.
    static func run(_ arguments: [String], output: FileHandle? = nil) throws -> Int32 {
        let process = Process()
        let executable = arguments[0]
        process.executableURL = URL(fileURLWithPath: executable.contains("/") ? executable : "/usr/bin/env")
        process.arguments = executable.contains("/") ? Array(arguments.dropFirst()) : arguments
        if let output { process.standardOutput = output }
        // The child inherits this thread's signal mask, and dispatch's threads block every
        // signal: perf record, waiting for SIGCHLD from its workload, would wait forever.
        var none = sigset_t(), saved = sigset_t()
        sigemptyset(&none)
        pthread_sigmask(SIG_SETMASK, &none, &saved)
        let started = Result { try process.run() }
        pthread_sigmask(SIG_SETMASK, &saved, nil)
        do { try started.get() } catch { throw TraceError("cannot run \(executable): \(error.localizedDescription)") }
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// A scratch file beside `out` (same file system: renamed or removed, never left).
    static func sibling(of out: String, _ what: String) -> String {
        let url = URL(fileURLWithPath: out)
        return url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).\(what)-\(getpid())").path
    }

    /// tracefs is mounted on first use by perf; mount it ourselves otherwise.
    static func ensureTracefs() throws {
        if FileManager.default.fileExists(atPath: "\(tracefs)/events/kmem") { return }
        guard mount("nodev", tracefs, "tracefs", 0, nil) == 0 || FileManager.default.fileExists(atPath: "\(tracefs)/events/kmem") else {
            throw TraceError("tracefs is not mounted at \(tracefs) and mounting it failed (\(String(cString: strerror(errno)))): "
                             + "`mount -t tracefs nodev \(tracefs)` needs a kernel with CONFIG_TRACING")
        }
    }

    static func kernelRelease() -> String {
        var name = utsname()
        uname(&name)
        return withUnsafeBytes(of: &name.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
    }
}
