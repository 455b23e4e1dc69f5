import ArgumentParser
import Foundation
import KMemHarness

/// `kmembench trace`: record the kernel's kmem tracepoints, import perf or ftrace text, and
/// describe a trace file (docs/trace-format.md). Replaying one is the `trace:file=T` workload.
struct TraceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trace",
        abstract: "Record, import and describe kmem allocation traces (replay them with the trace:file=T workload).",
        subcommands: [Record.self, Import.self, Info.self])

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Convert perf script or ftrace text (tracefs trace, trace-cmd report) into a trace file.")

        @Argument(help: "The text trace (`perf script` output, /sys/kernel/tracing/trace, `trace-cmd report`).")
        var file: String
        @Option(help: "The trace file to write (whole or not at all).")
        var out: String
        @Flag(help: "Skip events of other tracepoints instead of stopping at the first.")
        var skipUnknown = false
        @Flag(help: "No progress line on stderr.")
        var quiet = false

        func run() throws {
            let start = Date()
            let progress = quiet ? nil : ImportProgress()
            let outcome = try TraceTextImporter(.init(skipUnknownEvents: skipUnknown))
                .importFile(file, progress: progress.map { meter in { meter.update($0, $1, $2) } })
            progress?.finish()
            try outcome.trace.write(to: out)
            let seconds = Date().timeIntervalSince(start)
            print("imported \(outcome.trace.eventCount) events from \(outcome.lines) lines in "
                  + String(format: "%.2f s (%.2f M events/s)", seconds, Double(outcome.trace.eventCount) / seconds / 1e6)
                  + ": wrote \(out)")
            if outcome.lostEvents > 0 { print("warning: the kernel lost \(outcome.lostEvents) events while recording") }
            if outcome.skippedEvents > 0 { print("skipped \(outcome.skippedEvents) events of other tracepoints") }
            if outcome.resortedCPUs > 0 { print("note: \(outcome.resortedCPUs) CPUs' events were re-sorted by time") }
        }
    }

    struct Info: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Describe a trace file: events, pairing, caches, zone lock.")

        @Argument(help: "A trace file.")
        var file: String

        func run() throws {
            print(TraceSummary.text(try Trace(contentsOf: file)))
        }
    }
}

/// The import's progress line on stderr, redrawn at most five times a second.
final class ImportProgress {
    private var last = Date.distantPast

    func update(_ read: Int, _ total: Int, _ events: Int) {
        guard Date().timeIntervalSince(last) > 0.2 else { return }
        last = Date()
        let fraction = total > 0 ? Double(read) / Double(total) : 0
        let bar = String(repeating: "#", count: Int(fraction * 30)).padding(toLength: 30, withPad: ".", startingAt: 0)
        FileHandle.standardError.write(Data(String(format: "\r[%@] %3.0f%% %d MB, %d events", bar, fraction * 100,
                                                   read >> 20, events).utf8))
    }

    func finish() { FileHandle.standardError.write(Data("\n".utf8)) }
}

extension TraceRecorder.Tool: ExpressibleByArgument {}

extension TraceCommand {
    struct Record: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Record the kmem tracepoints system-wide (as root, through tracefs) while COMMAND runs or for N seconds.")

        @Option(help: "The trace file to write (whole or not at all).")
        var out: String
        @Option(help: "Seconds to record when no command is given.")
        var seconds: Double = 5
        @Option(help: "Ring buffer per CPU in KiB, with --via tracefs (a busy second of traffic is tens of MB).")
        var bufferKb: Int = 262_144
        @Option(help: "tracefs (a tracefs instance of our own; context flags) or perf (perf record and perf script; no context flags).")
        var via: TraceRecorder.Tool = .tracefs
        @Argument(parsing: .postTerminator, help: "The command to record while it runs (after --).")
        var command: [String] = []

        func run() throws {
            let recorder = TraceRecorder(seconds: seconds, command: command, bufferKB: bufferKb, tool: via)
            let outcome = try recorder.record(to: out) { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }
            print("recorded \(outcome.trace.eventCount) events on \(outcome.trace.cpus.count) CPUs: wrote \(out)")
            if outcome.lostEvents > 0 {
                print("warning: the ring buffers overflowed, \(outcome.lostEvents) events lost (raise --buffer-kb)")
            }
        }
    }
}
