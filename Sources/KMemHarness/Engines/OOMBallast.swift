import KMem

/// Memory the OOM killer may take back: the model kernel runs no processes, so the kmem engine
/// stands one in (`oom_victim=SIZE`), a task holding SIZE of order-0 pages taken at start.
/// Killing it frees them all, and the report counts the kill (oom_kill) and names it.
final class OOMBallast: OOMVictim, @unchecked Sendable {
    // Sendable: `pfns` is only touched under `lock`.
    let name = "kmembench-oom-victim"
    private let allocator: PageAllocator
    private let lock = LockedValue<[Int]>([])

    /// Takes `bytes` of pages; fewer if memory runs out first (never reclaims for it).
    init(allocator: PageAllocator, bytes: Int) {
        self.allocator = allocator
        var pfns: [Int] = []
        for _ in 0..<(bytes / PhysicalMemory.pageSize) {
            guard let page = allocator.allocPages([.io, .fs, .nowarn], order: 0) else { break }
            pfns.append(allocator.pfn(of: page))
        }
        lock.withLock { $0 = pfns }
        allocator.registerOOMVictim(self)
    }

    var pages: Int { lock.withLock { $0.count } }

    var heldPfns: [Int] { lock.withLock { $0 } }

    func kill() -> Int {
        let pfns = lock.withLock { held in
            defer { held = [] }
            return held
        }
        for pfn in pfns { try? allocator.freePages(allocator.memory.page(pfn), order: 0) }
        return pfns.count
    }

    /// The engine ends: the victim exits, and its memory is freed whether or not it was killed.
    func exit() {
        allocator.unregisterOOMVictim(self)
        _ = kill()
    }
}
