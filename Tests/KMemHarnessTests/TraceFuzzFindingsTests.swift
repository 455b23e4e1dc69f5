@testable import KMemHarness
import Testing

/// Inputs the fuzzer (scripts/fuzz) found that crashed a trace reader, kept as regressions:
/// each must be refused with an error, never a trap.
@Suite("trace fuzz findings") struct TraceFuzzFindingsTests {
    static let findings: [(String, String)] = [
        // A valid header, then a string table whose length runs past the file.
        ("string table", "4b4d454d5452434501000000020000000e00000000000000007e92653b0800000b7065726620736372697074090401ffffffffffffffffff29ffffffffffffffffffffffffff5f80c9daf4200016010210d00e17bfd6a51f1878000a010300a01f19bf96b00305680f142dbbaedb5c"),
    ]

    @Test("a text line whose CPU column overflows Int is refused as an error, not a trap")
    func overlongCPU() throws {
        let line = "            perf 15149 [0222222222222222222222200]  9051.200192:                   lloc: call_site=~ched_setacache\n"
        #expect(throws: TraceError.self) { try TraceImportTests().importText(line) }
    }

    @Test("a crashing input found by fuzzing is refused with an error", arguments: findings.indices)
    func refused(index: Int) {
        let hex = Array(Self.findings[index].1.utf8)
        let bytes = stride(from: 0, to: hex.count, by: 2).map { UInt8(String(decoding: hex[$0..<$0 + 2], as: UTF8.self), radix: 16)! }
        #expect(throws: TraceError.self) {
            try bytes.withUnsafeBytes { try Trace(decoding: $0, path: "finding") }
        }
    }
}
