import KMem

/// An allocator under test. The runner creates one engine per cell (in the child process),
/// one `Worker` per thread or context that allocates, and reads the engine's own statistics
/// at the end. Workloads are generic over the engine, so every call on the hot path is a
/// direct, specialised call into the worker.
public protocol Engine: AnyObject, Sendable {
    associatedtype Worker: EngineWorker

    var requestKinds: RequestKinds { get }

    /// The per-thread handle for a thread that runs as model CPU `cpu`. Only one thread uses
    /// a worker at a time (a serial queue may move it between OS threads).
    func makeWorker(cpu: Int) -> Worker

    /// Called once per worker when its thread is done (per-thread caches are given back).
    func retire(_ worker: inout Worker)

    /// Bytes the allocator holds from the system now, by its own account; nil when it keeps
    /// none. Thread-safe: the resource sampler calls it during the run.
    func footprintBytes() -> Int?

    /// The allocator's own counters after the run.
    func report() -> EngineReport
}

/// The allocation calls a workload makes, per request kind. A worker implements the kinds its
/// engine declares; the runner never calls the others (their default traps, naming the kind).
public protocol EngineWorker {
    /// A block of at least `size` bytes, or nil on failure. `gfp` says whether the caller may
    /// sleep (engines without that notion ignore it).
    mutating func allocObject(size: Int, gfp: GFP) -> UnsafeMutableRawPointer?
    /// Frees a block from `allocObject`; `size` is the size it was requested with.
    mutating func freeObject(_ object: UnsafeMutableRawPointer, size: Int)
    /// 2^order pages (4096 << order bytes, 4096-aligned), or nil on failure.
    mutating func allocPages(order: Int, gfp: GFP) -> UnsafeMutableRawPointer?
    mutating func freePages(_ pages: UnsafeMutableRawPointer, order: Int)
}

extension EngineWorker {
    public mutating func allocObject(size: Int, gfp: GFP) -> UnsafeMutableRawPointer? { unsupported("objects") }
    public mutating func freeObject(_ object: UnsafeMutableRawPointer, size: Int) { unsupported("objects") }
    public mutating func allocPages(order: Int, gfp: GFP) -> UnsafeMutableRawPointer? { unsupported("pages") }
    public mutating func freePages(_ pages: UnsafeMutableRawPointer, order: Int) { unsupported("pages") }

    private func unsupported(_ kind: String) -> Never {
        fatalError("\(Self.self) serves no \(kind) requests: the runner should not have paired this workload with it")
    }
}

/// What an engine says about itself at the end of a cell, in the CSV's terms.
public struct EngineReport: Codable, Sendable, Equatable {
    /// Allocations the allocator itself counted as failed (the kernel's pgalloc_fail).
    public var allocationFailures = 0
    /// Allocations served from reserves below the min watermark.
    public var reserveUse = 0
    /// Reclaim events: direct reclaim stalls plus kswapd runs.
    public var reclaimEvents = 0
    /// Sleep-in-atomic reports (the kernel's might_sleep check).
    public var sleepViolations = 0
    /// Other figures under the allocator's own names, for the `extra` CSV column.
    public var extra: [String: Int] = [:]

    public init() {}
}
