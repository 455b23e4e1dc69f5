import Foundation
@testable import KMemHarness
import Testing

@Suite("trace import") struct TraceImportTests {
    func importText(_ text: String) throws -> TraceTextImporter.Outcome {
        try TraceTextImporter().importFile(try temporaryFile(Array(text.utf8), name: "t.txt"))
    }

    @Test("perf script text: every line an event, no context flags, survives a round trip")
    func perfScript() throws {
        let outcome = try TraceTextImporter().importFile(traceData("perf-script.txt"))
        #expect(outcome.trace.eventCount == 400)
        #expect(outcome.trace.source == "perf script" && !outcome.trace.hasContext)
        let first = outcome.trace.cpus[0][0]
        #expect(first.kind == .kmalloc && first.address == 0xffff_8881_0241_ed40 && first.bytesRequested == 32)
        #expect(outcome.trace.string(first.callSite) == "sched_setaffinity+0x10c")
        #expect(outcome.trace.string(first.gfp) == "GFP_KERNEL")
        let decoded = try outcome.trace.encoded().withUnsafeBytes { try Trace(decoding: $0, path: "perf") }
        #expect(decoded == outcome.trace)
    }

    @Test("tracefs text: the latency column gives hardirq, softirq and irqs-off flags")
    func ftrace() throws {
        let outcome = try TraceTextImporter().importFile(traceData("ftrace.txt"))
        let events = outcome.trace.cpus.flatMap { $0 }
        #expect(outcome.trace.hasContext && outcome.trace.source == "ftrace text")
        #expect(events.count == 401)
        #expect(events.contains { $0.flags.contains(.softirq) })
        #expect(events.contains { $0.flags.contains(.irqsOff) && $0.kind == .zoneLocked && $0.flags.contains(.percpuRefill) })
        #expect(events.contains { $0.kind == .pageAlloc && $0.address == 0x10735d })
    }

    @Test("trace-cmd report, old spellings and fields: kmalloc_node, kmem_cache_alloc_node, no name, (null), -l latency")
    func traceCmdAndOldKernels() throws {
        let outcome = try importText("""
            cpus=2
                        bash-1234  [001]  100.000001: kmalloc_node:         call_site=foo+0x10 ptr=0xffff888100000040 bytes_req=40 bytes_alloc=64 gfp_flags=GFP_KERNEL node=0
                        bash-1234  [001]  100.000002: kmem_cache_alloc_node: call_site=bar+0x10 ptr=0xffff888100001000 bytes_req=184 bytes_alloc=192 gfp_flags=GFP_ATOMIC node=-1
                      <idle>-0     [000] d.h1 100.000003: kfree:                call_site=baz+0x4 ptr=(null)
            CPU 1 is empty
                        bash-1234  [001]  100.000004: kmem_cache_free:      call_site=qux+0x4 ptr=0xffff888100001000
                        bash-1234  [001]  100.000005: mm_page_alloc:        page=0xffffea0000400000 pfn=4096 order=1 migratetype=0 gfp_flags=GFP_KERNEL|__GFP_COMP
            """)
        let events = outcome.trace.cpus.flatMap { $0 }
        #expect(events.map(\.kind) == [.kfree, .kmalloc, .cacheAlloc, .cacheFree, .pageAlloc])
        #expect(events[0].flags == [.irqsOff, .hardirq] && events[0].address == 0)
        #expect(events[1].node == 0 && events[2].name == 0 && events[4].address == 4096 && events[4].order == 1)
        #expect(TraceCacheUse.cacheName(events[2], outcome.trace) == "cache-192")
    }

    @Test("bad text is refused with its line", arguments: BadTraceText.cases.indices)
    func badText(index: Int) throws {
        let (what, text, message) = BadTraceText.cases[index]
        do {
            _ = try importText(text)
            Issue.record("\(what) was imported")
        } catch {
            #expect(String(describing: error).contains(message), "\(what): \(String(describing: error))")
        }
    }

    @Test("other tracepoints can be skipped")
    func skipUnknown() throws {
        let path = try temporaryFile(Array("\(BadTraceText.line)\n  perf 1 [000]  1.000002: sched:sched_switch: a=b\n".utf8), name: "t.txt")
        let outcome = try TraceTextImporter(.init(skipUnknownEvents: true)).importFile(path)
        #expect(outcome.trace.eventCount == 1 && outcome.skippedEvents == 1)
    }

    @Test("a failed import writes nothing")
    func nothingHalfWritten() throws {
        let directory = try temporaryDirectory()
        let bad = directory.appendingPathComponent("bad.txt").path
        #expect(FileManager.default.createFile(atPath: bad, contents: Data("\(BadTraceText.line)\nnonsense\n".utf8)))
        let out = directory.appendingPathComponent("out.kmt").path
        let result = try runKmembench(["trace", "import", bad, "--out", out, "--quiet"])
        #expect(result.status != 0)
        #expect(result.errors.contains("bad.txt:2: not an event line"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["bad.txt"])
    }
}

/// Text traces that must not import, and the message (with the line) each must give.
enum BadTraceText {
    static let line = "  perf 1 [000]  1.000001: kmem:kmalloc: call_site=f+0x1 ptr=0xffff888100000040 bytes_req=8 bytes_alloc=8 gfp_flags=GFP_KERNEL node=-1 accounted=false"

    static let cases: [(String, String, String)] = [
        ("unknown event", "\(line)\n  perf 1 [000]  1.000002: sched:sched_switch: prev_comm=a", ":2: unknown event 'sched:sched_switch'"),
        ("malformed number", line.replacingOccurrences(of: "bytes_req=8", with: "bytes_req=8x"), ":1: malformed field bytes_req='8x'"),
        ("malformed flag", line.replacingOccurrences(of: "accounted=false", with: "accounted=maybe"), ":1: malformed field accounted='maybe'"),
        ("missing field", line.replacingOccurrences(of: " ptr=0xffff888100000040", with: ""), ":1: kmalloc without ptr"),
        ("field without value", line + " junk", ":1: malformed field 'junk': expected key=value"),
        ("bad timestamp", line.replacingOccurrences(of: "1.000001:", with: "1.x:"), ":1: malformed timestamp"),
        ("not an event", "\(line)\n\(line)\nhello world", ":3: not an event line"),
        ("empty", "# tracer: nop\n#\n", "no kmem events in 2 lines: an empty trace"),
        ("order too high", "  x-1 [000] .... 1.0: mm_page_free: pfn=0x1 order=99", ":1: malformed field order='99'"),
    ]
}

@Suite("trace import, binary input") struct TraceImportBinaryTests {
    @Test("a trace file given to import is named as such")
    func binaryGiven() throws {
        do {
            _ = try TraceTextImporter().importFile(traceData("git-log.kmt"))
            Issue.record("a binary trace was imported as text")
        } catch {
            #expect(String(describing: error).contains("already a kmembench trace file, not text"))
        }
    }
}

@Suite("trace record", .serialized) struct TraceRecordTests {
    static var canRecord: Bool { geteuid() == 0 && FileManager.default.fileExists(atPath: TraceRecorder.tracefs) }

    @Test("recording a command as root gives a trace of its events (with context flags through tracefs)",
          .enabled(if: canRecord, "needs root and tracefs"), arguments: TraceRecorder.Tool.allCases)
    func recordsCommand(tool: TraceRecorder.Tool) throws {
        guard tool == .tracefs || TraceRecorder.inPath("perf") else { return }
        let directory = try temporaryDirectory()
        let out = directory.appendingPathComponent("ls.kmt").path
        let outcome = try TraceRecorder(seconds: 0, command: ["ls", "-la", "/usr/lib"], bufferKB: 16384, tool: tool)
            .record(to: out) { _ in }
        let trace = try Trace(contentsOf: out)
        #expect(trace == outcome.trace && trace.hasContext == (tool == .tracefs) && trace.eventCount > 100)
        #expect(trace.source.hasPrefix(tool.rawValue))
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["ls.kmt"], "no scratch files left")
        #expect(trace.source.contains("while running `ls -la /usr/lib` (exit 0)"))
        #expect(trace.kindCounts[Int(TraceEventKind.cacheAlloc.rawValue)] > 0)
        #expect(try FileManager.default.contentsOfDirectory(atPath: "\(TraceRecorder.tracefs)/instances")
            .allSatisfy { !$0.hasPrefix("kmembench-\(getpid())") }, "the tracefs instance is removed")
    }

    @Test("mm_page_free_batched follows an mm_page_free of the same page (free_unref_folios, free_pages_prepare): not a second free")
    func batchedFreesAreNotFrees() throws {
        let trace = try Trace(contentsOf: traceData("compile-batched.kmt"))
        let batched = Int(TraceEventKind.pageFreeBatched.rawValue)
        #expect(trace.kindCounts[batched] > 20_000)
        // On its CPU, each batched event comes after the page's mm_page_free and before any
        // reallocation of it.
        var freed: [Set<UInt64>] = Array(repeating: [], count: trace.cpus.count)
        var orphans = 0
        for (cpu, events) in trace.cpus.enumerated() {
            for event in events {
                switch event.kind {
                case .pageFree: freed[cpu].insert(event.address)
                case .pageAlloc: freed[cpu].remove(event.address)
                case .pageFreeBatched: if freed[cpu].remove(event.address) == nil { orphans += 1 }
                default: break
                }
            }
        }
        #expect(orphans == 0)
        // So the pairing pairs the mm_page_free and leaves the batched event alone.
        let counts = TracePairing(trace).counts
        #expect(counts.preRecordingFrees < trace.kindCounts[batched])
        #expect(!TraceEventKind.pageFreeBatched.isFree)
    }

    @Test("a recording into a missing directory is refused before it starts")
    func missingDirectory() throws {
        do {
            _ = try TraceRecorder(seconds: 0.1, command: []).record(to: "/nonexistent/dir/x.kmt") { _ in }
            Issue.record("recorded into a missing directory")
        } catch {
            let text = String(describing: error)
            #expect(text.contains("not a writable directory") || text.contains("needs root"), "\(text)")
        }
    }
}
