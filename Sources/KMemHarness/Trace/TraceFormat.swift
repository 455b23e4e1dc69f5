/// The binary trace format's constants; the layout is documented in docs/trace-format.md and
/// written by `Trace+Encoding.swift`, read by `Trace+Decoding.swift`.
enum TraceFormat {
    static let magic: [UInt8] = Array("KMEMTRCE".utf8)
    /// Bumped on any change a version-1 reader would misread.
    static let version: UInt16 = 1
    /// Header flag bit 0: the events carry context flags.
    static let contextFlag: UInt16 = 1 << 0
    /// magic, version, flags, CPU count, event count, start timestamp.
    static let fixedHeaderSize = 8 + 2 + 2 + 4 + 8 + 8
    /// Highest page order a trace may hold (the kernel's MAX_PAGE_ORDER is at most 10 on x86).
    static let maxOrder: UInt8 = 15
    /// More CPUs than this is a corrupt header, not a machine.
    static let maxCPUs = 1 << 16
}
