import KMem

/// The model kernel, whole: pages from the buddy allocator, objects from kmalloc and named
/// kmem caches, virtually contiguous areas from vmalloc, per-CPU areas, and mempools over slab
/// caches, with the per-CPU slab design, fault injection and reclaim set by parameters
/// (`KMemEngine+Parameters.swift`).
public final class KMemEngine: Engine {
    public let kernel: Kernel
    public static let requestKinds: RequestKinds = .all
    public var requestKinds: RequestKinds { Self.requestKinds }
    /// The workloads' pools, kept after mempool_destroy for the report's statistics.
    let pools = LockedValue<[Mempool<SlabPoolSource>]>([])
    let faultInjection: FaultInjection
    /// The OOM killer's victim, when `oom_victim` gives it memory.
    let oomVictim: OOMBallast?

    public init(_ values: ParameterValues) throws(KMemError) {
        kernel = try Kernel(Self.configuration(values))
        faultInjection = FaultInjection(values)
        try faultInjection.check(kernel.pages)
        let victimBytes = values[Self.oomVictim]
        oomVictim = victimBytes > 0 ? OOMBallast(allocator: kernel.pages, bytes: victimBytes) : nil
    }

    deinit { oomVictim?.exit() }

    /// Arms fault injection: the workload's caches and pools exist by now.
    public func start() { faultInjection.arm(kernel.pages) }

    public func makeWorker(cpu: Int) -> KMemWorker {
        KMemWorker(kernel: .passUnretained(kernel))
    }

    public func retire(_ worker: inout KMemWorker) {}

    /// Pages not free in the buddy lists, per-CPU lists included: what the allocator has
    /// taken out of the free pool (the OOM victim's pages are not the workload's).
    public func footprintBytes() -> Int? {
        (kernel.pages.memory.pageCount - kernel.pages.freePagesTotal - (oomVictim?.pages ?? 0)) * PhysicalMemory.pageSize
    }

    public func createCache(name: String, size: Int) -> EngineHandle {
        do {
            let cache = try kernel.slab.kmemCacheCreate(name, size: size)
            return EngineHandle(size: size, token: UInt(bitPattern: Unmanaged.passUnretained(cache).toOpaque()))
        } catch {
            fatalError("kmem: kmem_cache_create(\(name), \(size)) failed: \(error)")
        }
    }

    public func destroyCache(_ cache: EngineHandle) {
        kernel.slab.kmemCacheDestroy(Unmanaged<KmemCache>.fromOpaque(UnsafeRawPointer(bitPattern: cache.token)!).takeUnretainedValue())
    }

    /// mempool_create_slab_pool over a cache of its own.
    public func createPool(name: String, size: Int, minNr: Int) -> EngineHandle {
        let cache = createCache(name: name, size: size)
        let source = SlabPoolSource(slab: kernel.slab, cache: Self.cache(cache))
        do {
            guard let pool = try Mempool(minNr: minNr, source: source, sleepCheck: kernel.pages.sleepCheck) else {
                fatalError("kmem: mempool_create(\(name), min_nr \(minNr)) could not preallocate")
            }
            pools.withLock { $0.append(pool) }
            return EngineHandle(size: size, token: UInt(bitPattern: Unmanaged.passUnretained(pool).toOpaque()))
        } catch {
            fatalError("kmem: mempool_create(\(name), min_nr \(minNr)): \(error)")
        }
    }

    public func destroyPool(_ pool: EngineHandle) {
        let mempool = Unmanaged<Mempool<SlabPoolSource>>.fromOpaque(UnsafeRawPointer(bitPattern: pool.token)!).takeUnretainedValue()
        mempool.destroy()
        kernel.slab.kmemCacheDestroy(mempool.source.cache)
    }

    public func registerShrinker(_ shrinker: any Shrinker) -> Bool {
        kernel.pages.registerShrinker(shrinker)
        return true
    }

    public func unregisterShrinker(_ shrinker: any Shrinker) { kernel.pages.unregisterShrinker(shrinker) }

    static func cache(_ handle: EngineHandle) -> KmemCache {
        Unmanaged<KmemCache>.fromOpaque(UnsafeRawPointer(bitPattern: handle.token)!).takeUnretainedValue()
    }
}
