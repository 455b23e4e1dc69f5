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

    /// What the allocator's own conservation check finds wrong once the workload is done and
    /// every worker retired, and its gauges for a soak (Engine+Audit.swift); empty when it
    /// keeps no such check.
    func audit() -> EngineAudit

    /// Called when the workload's threads start, after its setup (caches and pools made: the
    /// kernel's boot). Settings that must not hit the setup, such as fault injection, take
    /// effect here.
    func start()

    /// A named cache of `size`-byte objects (kmem_cache_create), for `.caches` requests.
    func createCache(name: String, size: Int) -> EngineHandle
    /// kmem_cache_destroy, once every object is freed.
    func destroyCache(_ cache: EngineHandle)
    /// A pool of `size`-byte elements keeping `minNr` in reserve (mempool_create_slab_pool),
    /// for `.pools` requests.
    func createPool(name: String, size: Int, minNr: Int) -> EngineHandle
    /// mempool_destroy (and its cache), once every element is freed.
    func destroyPool(_ pool: EngineHandle)

    /// Registers a reclaimable cache that the allocator asks to shrink under memory pressure;
    /// returns false when the allocator never reclaims (the caller then bounds the cache
    /// itself).
    func registerShrinker(_ shrinker: any Shrinker) -> Bool
    func unregisterShrinker(_ shrinker: any Shrinker)
}

/// A cache or pool an engine made for a workload: the object size it serves and the engine's
/// own token for it (kmem: the unretained KmemCache or Mempool; elsewhere unused).
public struct EngineHandle: Sendable, Hashable {
    public let size: Int
    public let token: UInt

    public init(size: Int, token: UInt = 0) {
        self.size = size
        self.token = token
    }
}

/// Allocators without caches, pools or reclaim: a cache or pool is malloc of its size.
extension Engine {
    public func start() {}
    public func createCache(name: String, size: Int) -> EngineHandle { EngineHandle(size: size) }
    public func destroyCache(_ cache: EngineHandle) {}
    public func createPool(name: String, size: Int, minNr: Int) -> EngineHandle { EngineHandle(size: size) }
    public func destroyPool(_ pool: EngineHandle) {}
    public func registerShrinker(_ shrinker: any Shrinker) -> Bool { false }
    public func unregisterShrinker(_ shrinker: any Shrinker) {}
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

    /// An object from a cache of `createCache` (default: `allocObject` of its size).
    mutating func cacheAlloc(_ cache: EngineHandle, gfp: GFP) -> UnsafeMutableRawPointer?
    mutating func cacheFree(_ cache: EngineHandle, _ object: UnsafeMutableRawPointer)
    /// An element of a pool of `createPool` (default: `allocObject` of its size).
    mutating func poolAlloc(_ pool: EngineHandle, gfp: GFP) -> UnsafeMutableRawPointer?
    mutating func poolFree(_ pool: EngineHandle, _ element: UnsafeMutableRawPointer)

    /// `size` bytes of virtually contiguous memory aligned to `align` (a power of two of at
    /// least a page), or nil on failure.
    mutating func allocVirtual(size: Int, align: Int, gfp: GFP) -> UnsafeMutableRawPointer?
    mutating func freeVirtual(_ area: UnsafeMutableRawPointer, size: Int, align: Int)
    /// Resizes an area of `allocVirtual`, keeping its contents; nil (old area untouched) on
    /// failure. Default: allocate, copy, free.
    mutating func reallocVirtual(_ area: UnsafeMutableRawPointer, oldSize: Int, newSize: Int, gfp: GFP) -> UnsafeMutableRawPointer?

    /// A per-CPU area of `size` bytes aligned to `align`: a non-nil token for `freePercpu`.
    mutating func allocPercpu(size: Int, align: Int, gfp: GFP) -> UnsafeMutableRawPointer?
    mutating func freePercpu(_ area: UnsafeMutableRawPointer, size: Int, align: Int)
}

extension EngineWorker {
    public mutating func allocObject(size: Int, gfp: GFP) -> UnsafeMutableRawPointer? { unsupported("objects") }
    public mutating func freeObject(_ object: UnsafeMutableRawPointer, size: Int) { unsupported("objects") }
    public mutating func allocPages(order: Int, gfp: GFP) -> UnsafeMutableRawPointer? { unsupported("pages") }
    public mutating func freePages(_ pages: UnsafeMutableRawPointer, order: Int) { unsupported("pages") }

    @inlinable
    public mutating func cacheAlloc(_ cache: EngineHandle, gfp: GFP) -> UnsafeMutableRawPointer? {
        allocObject(size: cache.size, gfp: gfp)
    }

    @inlinable
    public mutating func cacheFree(_ cache: EngineHandle, _ object: UnsafeMutableRawPointer) {
        freeObject(object, size: cache.size)
    }

    @inlinable
    public mutating func poolAlloc(_ pool: EngineHandle, gfp: GFP) -> UnsafeMutableRawPointer? {
        allocObject(size: pool.size, gfp: gfp)
    }

    @inlinable
    public mutating func poolFree(_ pool: EngineHandle, _ element: UnsafeMutableRawPointer) {
        freeObject(element, size: pool.size)
    }

    public mutating func allocVirtual(size: Int, align: Int, gfp: GFP) -> UnsafeMutableRawPointer? { unsupported("virtual") }
    public mutating func freeVirtual(_ area: UnsafeMutableRawPointer, size: Int, align: Int) { unsupported("virtual") }

    public mutating func reallocVirtual(_ area: UnsafeMutableRawPointer, oldSize: Int, newSize: Int,
                                        gfp: GFP) -> UnsafeMutableRawPointer? {
        let page = PhysicalMemory.pageSize
        guard let moved = allocVirtual(size: newSize, align: page, gfp: gfp) else { return nil }
        moved.copyMemory(from: area, byteCount: min(oldSize, newSize))
        freeVirtual(area, size: oldSize, align: page)
        return moved
    }

    public mutating func allocPercpu(size: Int, align: Int, gfp: GFP) -> UnsafeMutableRawPointer? { unsupported("percpu") }
    public mutating func freePercpu(_ area: UnsafeMutableRawPointer, size: Int, align: Int) { unsupported("percpu") }

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
