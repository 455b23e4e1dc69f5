import Foundation
import Glibc

/// `trace record`: the kmem tracepoints recorded system-wide through a tracefs instance of our
/// own (its own ring buffers, so the global trace and other tracers are left alone), while a
/// command runs or for a number of seconds; then the instance's text is imported. ftrace's
/// text carries the latency column, so recorded traces have context flags.
public struct TraceRecorder {
    public static let tracefs = "/sys/kernel/tracing"
    public static let events: [TraceEventKind] = [.kmalloc, .kfree, .cacheAlloc, .cacheFree, .pageAlloc, .pageFree, .zoneLocked]

    public var seconds: Double
    public var command: [String]
    /// Ring buffer per CPU: large, so that a busy second is not overwritten before it is read.
    public var bufferKB: Int

    public init(seconds: Double, command: [String], bufferKB: Int = 262_144) {
        self.seconds = seconds
        self.command = command
        self.bufferKB = bufferKB
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
        let instance = "\(Self.tracefs)/instances/kmembench-\(getpid())"
        guard mkdir(instance, 0o755) == 0 else {
            throw TraceError("cannot create the tracefs instance \(instance): \(String(cString: strerror(errno)))")
        }
        defer { rmdir(instance) }
        try Self.write("\(bufferKB)", to: "\(instance)/buffer_size_kb")
        for kind in Self.events { try Self.write("1", to: "\(instance)/events/kmem/\(kind.eventName)/enable") }
        try Self.write("1", to: "\(instance)/tracing_on")
        let status = try runWorkload(log: log)
        try Self.write("0", to: "\(instance)/tracing_on")
        let lost = Self.overruns(instance)
        let text = URL(fileURLWithPath: out).deletingLastPathComponent()
            .appendingPathComponent(".\(URL(fileURLWithPath: out).lastPathComponent).text-\(getpid())").path
        defer { unlink(text) }
        try Self.copy("\(instance)/trace", to: text)
        var outcome = try TraceTextImporter().importFile(text)
        outcome.lostEvents += lost
        outcome.trace.source = "tracefs on \(ProcessInfo.processInfo.hostName), Linux \(Self.kernelRelease())"
            + (command.isEmpty ? ", \(seconds) s" : ", while running `\(command.joined(separator: " "))` (exit \(status))")
        try outcome.trace.write(to: out)
        return outcome
    }

    /// Runs the command to its end, or sleeps the seconds; returns the command's exit status.
    private func runWorkload(log: (String) -> Void) throws -> Int32 {
        guard let executable = command.first else {
            log("recording for \(seconds) s")
            usleep(UInt32(seconds * 1e6))
            return 0
        }
        log("recording while running \(command.joined(separator: " "))")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable.contains("/") ? executable : "/usr/bin/env")
        process.arguments = executable.contains("/") ? Array(command.dropFirst()) : command
        do { try process.run() } catch { throw TraceError("cannot run \(executable): \(error.localizedDescription)") }
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// tracefs is mounted on first use by perf; mount it ourselves otherwise.
    static func ensureTracefs() throws {
        if FileManager.default.fileExists(atPath: "\(tracefs)/events/kmem") { return }
        guard mount("nodev", tracefs, "tracefs", 0, nil) == 0 || FileManager.default.fileExists(atPath: "\(tracefs)/events/kmem") else {
            throw TraceError("tracefs is not mounted at \(tracefs) and mounting it failed (\(String(cString: strerror(errno)))): "
                             + "`mount -t tracefs nodev \(tracefs)` needs a kernel with CONFIG_TRACING")
        }
    }

    static func write(_ text: String, to path: String) throws {
        let descriptor = open(path, O_WRONLY | O_TRUNC)
        guard descriptor >= 0 else { throw TraceError("cannot open \(path): \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        guard Glibc.write(descriptor, text, text.utf8.count) == text.utf8.count else {
            throw TraceError("cannot write '\(text)' to \(path): \(String(cString: strerror(errno)))")
        }
    }

    static func copy(_ source: String, to target: String) throws {
        let input = open(source, O_RDONLY)
        guard input >= 0 else { throw TraceError("cannot read \(source): \(String(cString: strerror(errno)))") }
        defer { close(input) }
        let output = open(target, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard output >= 0 else { throw TraceError("cannot write \(target): \(String(cString: strerror(errno)))") }
        defer { close(output) }
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let got = read(input, buffer, 1 << 20)
            guard got > 0 else { break }
            guard Glibc.write(output, buffer, got) == got else { throw TraceError("cannot write \(target)") }
        }
    }

    /// Events overwritten in the ring buffers (per_cpu/cpuN/stats "overrun").
    static func overruns(_ instance: String) -> Int {
        let cpus = (try? FileManager.default.contentsOfDirectory(atPath: "\(instance)/per_cpu")) ?? []
        return cpus.reduce(0) { total, cpu in
            let stats = (try? String(contentsOfFile: "\(instance)/per_cpu/\(cpu)/stats", encoding: .utf8)) ?? ""
            let line = stats.split(separator: "\n").first { $0.hasPrefix("overrun:") }
            return total + (line.flatMap { Int($0.dropFirst("overrun:".count).trimmingCharacters(in: .whitespaces)) } ?? 0)
        }
    }

    static func kernelRelease() -> String {
        var name = utsname()
        uname(&name)
        return withUnsafeBytes(of: &name.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
    }
}
