import Foundation
import Glibc

/// Recording through a tracefs instance of our own (its own ring buffers, so the global trace
/// and other tracers are left alone; removed afterwards): enable the events, run the workload,
/// stop, copy the instance's text. The ring buffers' overruns are the lost events.
extension TraceRecorder {
    func recordThroughTracefs(into text: String, log: (String) -> Void) throws -> (status: Int32, lost: Int) {
        let instance = "\(Self.tracefs)/instances/kmembench-\(getpid())"
        guard mkdir(instance, 0o755) == 0 else {
            throw TraceError("cannot create the tracefs instance \(instance): \(String(cString: strerror(errno)))")
        }
        defer { Self.removeInstance(instance) }
        try Self.write("\(bufferKB)", to: "\(instance)/buffer_size_kb")
        for kind in Self.events { try Self.write("1", to: "\(instance)/events/kmem/\(kind.eventName)/enable") }
        try Self.write("1", to: "\(instance)/tracing_on")
        log("recording through tracefs while running \(workload.joined(separator: " "))")
        let status = try Self.run(workload)
        try Self.write("0", to: "\(instance)/tracing_on")
        try Self.copy("\(instance)/trace", to: text)
        return (status, Self.overruns(instance))
    }

    /// rmdir of the instance, retried for up to 2 s while it fails: a test run here, on a loaded
    /// machine, left an instance behind that a moment later could be removed.
    static func removeInstance(_ instance: String) {
        for _ in 0..<200 {
            if rmdir(instance) == 0 || errno == ENOENT { return }
            usleep(10_000)
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
}
