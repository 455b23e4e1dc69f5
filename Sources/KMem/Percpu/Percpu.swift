/// A per-CPU allocation: one copy per CPU at the same offset of each CPU's unit (the kernel's
/// `void __percpu *`). Reach a CPU's copy with `perCPUPointer`.
public struct PercpuPointer: Hashable, Sendable {
    let chunk: Int
    let offset: Int
}

/// The per-CPU allocator (mm/percpu.c, simplified): chunks of `cpus` units, one unit per CPU,
/// carved with a first-fit bitmap of 8-byte granules. Chunks are contiguous pages from the
/// buddy allocator. Allocation may block (it can add a chunk) unless the caller passes a GFP
/// that cannot, in which case it only uses room in existing chunks.
public final class PercpuAllocator: @unchecked Sendable {
    // Sendable: the chunk list and maps are guarded by `lock` (pcpu_lock); unit memory is
    // the callers'.
    public static let granule = 8

    struct Chunk {
        let page: PagePointer
        let order: Int
        let base: UnsafeMutableRawPointer
        /// One entry per granule: 0 free, 1 allocated, 2 allocated and the start of an area.
        var map: [UInt8]
        var freeGranules: Int
    }

    public let unitSize: Int
    let pages: PageAllocator
    // Internal for the audit (Percpu+Audit.swift); every access holds `lock`.
    let lock = SpinLockBox()
    var chunks: [Chunk] = []

    /// `unitSize` bytes per CPU per chunk (a power of two of at least 4 KiB).
    public init(pages: PageAllocator, unitSize: Int = 32 << 10) throws(KMemError) {
        guard unitSize >= PhysicalMemory.pageSize, unitSize & (unitSize - 1) == 0,
              PageAllocator.getOrder(unitSize * pages.cpus) <= PageAllocator.maxOrder else {
            throw .configuration("percpu unit size \(unitSize) must be a power of two of at least 4096 whose "
                                 + "\(pages.cpus) units fit in one buddy block")
        }
        self.unitSize = unitSize
        self.pages = pages
    }

    deinit {
        for chunk in chunks { try? pages.freePages(chunk.page, order: chunk.order) }
    }

    /// __alloc_percpu / __alloc_percpu_gfp: `size` bytes aligned to `align` on every CPU, zeroed.
    /// nil when no room can be had; a size of 0 or above the unit size, or an alignment that is
    /// not a power of two up to the unit size, is an error.
    public func allocPercpu(size: Int, align: Int, gfp: GFP = .kernel,
                            file: StaticString = #fileID, line: UInt = #line) throws(KMemError) -> PercpuPointer? {
        guard size > 0, size <= unitSize else {
            throw .configuration("alloc_percpu of \(size) bytes: the size must be 1...\(unitSize) (the unit size)")
        }
        guard align > 0, align & (align - 1) == 0, align <= unitSize else {
            throw .configuration("alloc_percpu: alignment \(align) must be a power of two up to \(unitSize)")
        }
        let gfp = MemallocScope.effective(gfp)
        if gfp.allowsBlocking { SleepCheck.mightSleep(pages.sleepCheck, "alloc_percpu, gfp: \(gfp)", file: file, line: line) }
        let granules = (size + PercpuAllocator.granule - 1) / PercpuAllocator.granule
        let alignGranules = max(1, align / PercpuAllocator.granule)
        if let found = lock.withLock({ place(granules, alignGranules) }) { return zeroed(found, size: size) }
        // pcpu_alloc's is_atomic: a caller that cannot block never creates a chunk, even with __GFP_HIGH.
        guard gfp.allowsBlocking else { return nil }
        guard let chunk = newChunk(gfp) else { return nil }
        let placed = lock.withLock { () -> PercpuPointer? in
            chunks.append(chunk)
            return place(granules, alignGranules)
        }
        return placed.map { zeroed($0, size: size) }
    }

    /// alloc_percpu(type): room for one `T` per CPU.
    public func allocPercpu<T>(_ type: T.Type, gfp: GFP = .kernel) throws(KMemError) -> PercpuPointer? {
        try allocPercpu(size: MemoryLayout<T>.size, align: MemoryLayout<T>.alignment, gfp: gfp)
    }

    /// free_percpu. A pointer this allocator did not hand out, or one freed already, is an error.
    public func freePercpu(_ pointer: PercpuPointer) throws(KMemError) {
        let freed = lock.withLock { () -> Bool in
            guard chunks.indices.contains(pointer.chunk), pointer.offset % PercpuAllocator.granule == 0 else { return false }
            let start = pointer.offset / PercpuAllocator.granule
            guard start < chunks[pointer.chunk].map.count, chunks[pointer.chunk].map[start] == 2 else { return false }
            var index = start
            repeat {
                chunks[pointer.chunk].map[index] = 0
                chunks[pointer.chunk].freeGranules += 1
                index += 1
            } while index < chunks[pointer.chunk].map.count && chunks[pointer.chunk].map[index] == 1
            return true
        }
        if !freed {
            throw .configuration("free_percpu of chunk \(pointer.chunk) offset \(pointer.offset): not an allocated per-CPU area (never allocated, or freed twice)")
        }
    }

    /// per_cpu_ptr: `cpu`'s copy.
    public func perCPUPointer(_ pointer: PercpuPointer, cpu: Int) -> UnsafeMutableRawPointer {
        precondition(cpu >= 0 && cpu < pages.cpus, "per_cpu_ptr: CPU \(cpu) does not exist")
        let base = lock.withLock { chunks[pointer.chunk].base }
        return base + cpu * unitSize + pointer.offset
    }

    /// get_cpu(): disables preemption and returns the CPU whose copy the caller may use until
    /// put_cpu().
    public func getCPU() -> Int {
        Current.preemptDisable()
        let cpu = CPU.current
        return cpu < pages.cpus ? cpu : cpu % pages.cpus
    }

    /// put_cpu().
    public func putCPU() { Current.preemptEnable() }

    /// Bytes in use per CPU and chunks, for statistics.
    public var usage: (chunks: Int, usedBytesPerCPU: Int) {
        lock.withLock {
            (chunks.count, chunks.reduce(0) { $0 + ($1.map.count - $1.freeGranules) * PercpuAllocator.granule })
        }
    }

    // MARK: internals (lock held where noted)

    /// First fit over every chunk (lock held).
    private func place(_ granules: Int, _ alignGranules: Int) -> PercpuPointer? {
        for index in chunks.indices where chunks[index].freeGranules >= granules {
            var start = 0
            let count = chunks[index].map.count
            while start + granules <= count {
                if let blocked = (start..<start + granules).last(where: { chunks[index].map[$0] != 0 }) {
                    start = (blocked + alignGranules) / alignGranules * alignGranules
                    continue
                }
                chunks[index].map[start] = 2
                for granule in start + 1..<start + granules { chunks[index].map[granule] = 1 }
                chunks[index].freeGranules -= granules
                return PercpuPointer(chunk: index, offset: start * PercpuAllocator.granule)
            }
        }
        return nil
    }

    private func newChunk(_ gfp: GFP) -> Chunk? {
        let order = PageAllocator.getOrder(unitSize * pages.cpus)
        guard let page = pages.allocPages(gfp.subtracting([.zero, .dma, .dma32]), order: order) else { return nil }
        let granules = unitSize / PercpuAllocator.granule
        return Chunk(page: page, order: order, base: pages.pageAddress(page),
                     map: [UInt8](repeating: 0, count: granules), freeGranules: granules)
    }

    private func zeroed(_ pointer: PercpuPointer, size: Int) -> PercpuPointer {
        for cpu in 0..<pages.cpus {
            perCPUPointer(pointer, cpu: cpu).initializeMemory(as: UInt8.self, repeating: 0, count: size)
        }
        return pointer
    }
}

/// A SpinLock in a class, for slow-path structures that hold Swift arrays.
final class SpinLockBox: @unchecked Sendable {
    // The lock is the only state.
    private let spinlock = UnsafeMutablePointer<SpinLock>.allocate(capacity: 1)

    init() { spinlock.initialize(to: SpinLock()) }
    deinit {
        spinlock.deinitialize(count: 1)
        spinlock.deallocate()
    }

    func withLock<T>(_ body: () throws -> T) rethrows -> T {
        spinlock.pointee.lock()
        defer { spinlock.pointee.unlock() }
        return try body()
    }
}

extension PercpuPointer {
    /// The pointer as one nonzero word (chunk + 1 in the high half, the offset in the low), for
    /// callers that keep per-CPU pointers where addresses go, as the kernel's
    /// `void __percpu *` is one.
    public var bitPattern: UInt { UInt(chunk + 1) << 32 | UInt(offset) }

    public init?(bitPattern: UInt) {
        guard bitPattern >> 32 != 0 else { return nil }
        chunk = Int(bitPattern >> 32) - 1
        offset = Int(bitPattern & 0xffff_ffff)
    }
}
