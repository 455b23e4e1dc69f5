import Foundation
@testable import KMemHarness
import Testing

@Suite("trace format") struct TraceFormatTests {
    @Test("a synthetic trace survives encoding and decoding unchanged")
    func syntheticRoundTrip() throws {
        let trace = TraceSynthesis.synthetic(cpus: 3, events: 5000, seed: 9)
        let decoded = try trace.encoded().withUnsafeBytes { try Trace(decoding: $0, path: "synthetic") }
        #expect(decoded == trace)
        #expect(decoded.eventCount >= 5000)
    }

    @Test("the committed real traces read and re-encode to the same bytes",
          arguments: ["git-log.kmt", "loopback-http.kmt", "compile.kmt", "compile-batched.kmt", "idle-2s.kmt"])
    func committedTraces(name: String) throws {
        let path = traceData(name)
        let bytes = try #require(FileManager.default.contents(atPath: path))
        let trace = try Trace(contentsOf: path)
        #expect(trace.eventCount > 20_000)
        #expect(trace.hasContext)
        #expect(Array(bytes) == trace.encoded())
        let header = try Trace.validated(path)
        #expect(header.eventCount == trace.eventCount && header.kindCounts == trace.kindCounts)
    }

    /// A three-event trace on one CPU and where its block's payload starts.
    static func tiny() -> (bytes: [UInt8], payload: Int) {
        var trace = Trace(source: "tiny", hasContext: false, strings: ["", "site", "GFP_KERNEL"], cpus: [[]])
        var allocation = TraceEvent(timestamp: 100, address: 0x1000, kind: .kmalloc)
        allocation.callSite = 1
        allocation.gfp = 2
        allocation.bytesRequested = 64
        allocation.bytesAllocated = 64
        var free = TraceEvent(timestamp: 200, address: 0x1000, kind: .kfree)
        free.callSite = 1
        trace.cpus[0] = [allocation, free, free]
        let bytes = trace.encoded()
        let payloadLength = Trace.encode(trace.cpus[0], start: 100).count
        return (bytes, bytes.count - 8 - payloadLength)
    }

    /// Rewrites the block checksum after a change to the payload, so the structure is checked.
    static func resealed(_ bytes: [UInt8], payload: Int) -> [UInt8] {
        var bytes = bytes
        let sum = FNV1a.hash(Array(bytes[payload..<bytes.count - 8]))
        withUnsafeBytes(of: sum.littleEndian) { bytes.replaceSubrange(bytes.count - 8..<bytes.count, with: $0) }
        return bytes
    }

    @Test("bad trace files are refused with the record or part named", arguments: BadTraceFiles.cases.indices)
    func badFiles(index: Int) throws {
        let (what, corrupt, message) = BadTraceFiles.cases[index]
        let (bytes, payload) = Self.tiny()
        let path = try temporaryFile(corrupt(bytes, payload))
        #expect(throws: TraceError.self, "\(what)") { try Trace(contentsOf: path) }
        do {
            _ = try Trace(contentsOf: path)
        } catch {
            #expect(String(describing: error).contains(message), "\(what): \(String(describing: error))")
            #expect(String(describing: error).hasPrefix(path))
        }
    }

    @Test("the tiny trace itself reads back")
    func tinyReads() throws {
        let trace = try Trace(contentsOf: try temporaryFile(Self.tiny().bytes))
        #expect(trace.eventCount == 3 && trace.cpus[0][1].kind == .kfree)
    }
}

/// Damaged copies of `TraceFormatTests.tiny()` (given its bytes and payload offset), and the message each must give.
enum BadTraceFiles {
    static let cases: [(String, @Sendable ([UInt8], Int) -> [UInt8], String)] = [
        ("empty", { _, _ in [] }, "empty file, not a trace"),
        ("text", { _, _ in Array("perf 1 [000] 1.0: kmem:kfree: ptr=0x1\n".utf8) }, "not a kmembench trace"),
        ("version 2", { bytes, _ in var b = bytes; b[8] = 2; return b }, "trace format version 2; this kmembench reads version 1"),
        ("cut in the header", { bytes, _ in Array(bytes.prefix(20)) }, "truncated: the header is cut short"),
        ("header bit flipped", { bytes, _ in var b = bytes; b[40] ^= 0x01; return b }, "corrupt header"),
        ("cut in the block", { bytes, _ in Array(bytes.dropLast(12)) }, "record 1: truncated: CPU 0's block is cut short"),
        ("payload bit flipped", { bytes, payload in var b = bytes; b[payload + 3] ^= 0x40; return b },
         "record 1: corrupt: checksum mismatch in CPU 0's block (records 1...3)"),
        ("unknown kind, checksum kept right", { bytes, payload in
            var b = bytes; b[payload] = 0x0f; return TraceFormatTests.resealed(b, payload: payload) }, "record 1: corrupt (CPU 0): unknown event kind 15"),
        ("record cut, checksum kept right", { bytes, payload in
            // The block claims its 3 events but its payload ends within the third.
            var b = bytes; b.remove(at: b.count - 9); b[payload - 1] -= 1; return TraceFormatTests.resealed(b, payload: payload) },
         "record 3: truncated: the record is cut short (CPU 0)"),
        ("trailing bytes", { bytes, _ in bytes + [0] }, "1 bytes after the last CPU's block"),
    ]
}
