import KMem

/// `dcache`: file-system metadata churn. Each round creates a dentry (and, usually, its inode)
/// from their own named caches and puts it on a reclaimable LRU; some files are unlinked at
/// once. The LRU is capped at `lru_max` on every engine and evicts its oldest entry, so every
/// engine does the same work and holds the same objects; on kmem it is also a registered
/// shrinker, which reclaim may trim first when memory runs short (its frees, on reclaim's
/// thread, are counted, and the time it takes is reported as `shrinker_ns`).
public struct Dcache: Workload {
    public static let info = WorkloadInfo(
        name: "dcache",
        pattern: "each thread per round allocates a dentry (GFP_KERNEL) and, with inode_share, an inode, writes "
            + "them and adds them to one shared LRU capped at lru_max (the oldest entry evicted and freed); with "
            + "unlink it then frees the newest entry (a file created and deleted). kmem: the LRU is also a shrinker "
            + "that reclaim may trim under memory pressure. One round = 2 to 4 operations",
        models: "d_alloc/iget churn from find, builds and tar: the dentry and inode caches grow until "
            + "prune_dcache_sb/prune_icache_sb (super_cache_scan) shrink them under reclaim",
        parameters: [dentrySize.schema, inodeSize.schema, inodeShare.schema, unlink.schema, lruMax.schema])

    static let dentrySize = Parameter.bytes("dentry_size", default: "192", 16...4096, "dentry object size")
    static let inodeSize = Parameter.bytes("inode_size", default: "600", 16...4096, "inode object size")
    static let inodeShare = Parameter.number("inode_share", default: 0.7, 0...1,
        "share of dentries with an inode (rest: negative dentries)")
    static let unlink = Parameter.number("unlink", default: 0.3, 0...1, "share of rounds that delete the file just created")
    static let lruMax = Parameter.integer("lru_max", default: 262144, 1...lruCapacity,
        "LRU entries at most (every engine)")

    /// Entries the LRU's ring can hold.
    static let lruCapacity = 1 << 22

    let dentrySize, inodeSize, lruMax: Int
    let inodeShare, unlinkShare: Double

    public init(_ values: ParameterValues) {
        dentrySize = values[Self.dentrySize]
        inodeSize = values[Self.inodeSize]
        inodeShare = values[Self.inodeShare]
        unlinkShare = values[Self.unlink]
        lruMax = values[Self.lruMax]
    }

    public var requestKinds: RequestKinds { .caches }

    public func run<E: Engine>(on engine: E, _ context: WorkloadContext) {
        let lru = DcacheLRU(engine: engine, context: context, dentries: engine.createCache(name: "dentry", size: dentrySize),
                            inodes: engine.createCache(name: "inode_cache", size: inodeSize))
        _ = engine.registerShrinker(lru)
        let finished = Countdown(context.threads)
        context.runThreads(engine) { [self] thread, driver in
            var random = context.random(stream: thread)
            var round = 0
            while driver.more(round) {
                round &+= 1
                guard let dentry = driver.cacheAlloc(lru.dentries, gfp: .kernel) else { continue }
                driver.write(UInt(round), to: dentry)
                var inode: UnsafeMutableRawPointer?
                if random.unit() < inodeShare {
                    inode = driver.cacheAlloc(lru.inodes, gfp: .kernel)
                    if let inode { driver.write(UInt(round), to: inode) }
                }
                let entry = DcacheLRU<E>.Entry(dentry: dentry, inode: inode)
                if random.unit() < unlinkShare {
                    lru.free(entry, &driver)
                    continue
                }
                if let evicted = lru.add(entry, cap: lruMax) { lru.free(evicted, &driver) }
            }
            if finished.arriveIsLast() { lru.drain(&driver) }
        }
        engine.unregisterShrinker(lru)
        lru.finish(context)
        engine.destroyCache(lru.dentries)
        engine.destroyCache(lru.inodes)
    }
}
