import CKMemShims
import Glibc

/// vmalloc: virtually contiguous memory from physically scattered pages. A large virtual range
/// is reserved with no access; each allocation carves an area from it (plus an unmapped guard
/// page), takes order-0 pages from the buddy allocator and maps them from the physical-memory
/// memfd, so the vmalloc address and the direct map see the same bytes.
///
/// Freed areas are not unmapped at once: they wait on the lazy tree until their pages pass
/// `lazyMaxPages`, then a worker (drain_vmap_work) purges: one remap of the whole span with no
/// access (the model's single TLB flush), and the areas go back to the free tree. The kernel
/// clears the page tables at vfree and defers only the flush; user space cannot clear a mapping
/// without flushing, so the model's mapping stays until the purge (a stale TLB entry that
/// covers every CPU).
public final class Vmalloc: @unchecked Sendable {
    // Sendable: `space` is only touched under `lock`, a spinlock (never sleeps, so GFP_ATOMIC
    // callers and vfree_atomic may take it); everything else is immutable or atomic.

    public struct Configuration: Sendable {
        /// Bytes of virtual address space to reserve (no memory is committed for it).
        public var rangeSize = 64 << 30
        /// nil: the kernel's lazy_max_pages, fls(CPUs) * 32 MiB / PAGE_SIZE.
        public var lazyMaxPages: Int? = nil
        /// A model-only shortcut, not kernel behaviour: when a new area's pages are exactly the
        /// frames a lazily freed area still maps, take that area over instead of mapping again.
        /// The kernel maps with page-table writes (about 0.1 us a page); the model maps with an
        /// mmap call (about 3 us), so without the shortcut a vmalloc+vfree pair is dominated by
        /// a cost the kernel does not have, and with it a reuse costs less than the kernel's.
        /// Results should say which was used; turn it off to measure the mapping path.
        public var reuseStaleMappings = true

        public init() {}
    }

    /// NUMA_NO_NODE: the model has one node (0).
    public static let numaNoNode = -1

    public let allocator: PageAllocator
    /// The reserved range: [start, start + size).
    public let start: UnsafeMutableRawPointer
    public let size: Int
    public let lazyMaxPages: Int
    public let reuseStaleMappings: Bool
    let lock = SpinLock()
    let space: UnsafeMutablePointer<VmapSpace>
    let events = Counters<VmallocEvent>()
    private(set) var deferred: VfreeDeferred!
    /// drain_vmap_work: purges once the lazy pages pass lazyMaxPages, off the freeing caller.
    private(set) var purgeWorker: KernelThread!

    public init(allocator: PageAllocator, configuration: Configuration = Configuration()) throws(KMemError) {
        reuseStaleMappings = configuration.reuseStaleMappings
        let size = configuration.rangeSize
        guard size > 0, size % PhysicalMemory.pageSize == 0 else {
            throw .configuration("vmalloc range size must be a positive multiple of 4 KiB, got \(size)")
        }
        let lazyMax = configuration.lazyMaxPages ?? Vmalloc.defaultLazyMaxPages(cpus: allocator.configuration.cpus)
        guard lazyMax >= 0 else { throw .configuration("lazy_max_pages must not be negative, got \(lazyMax)") }
        let reserved = mmap(nil, size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0)
        guard let reserved, reserved != MAP_FAILED else {
            throw .system("reserving \(PhysicalMemory.formatBytes(size)) for vmalloc failed: "
                          + String(cString: strerror(errno)))
        }
        self.allocator = allocator
        self.start = reserved
        self.size = size
        lazyMaxPages = lazyMax
        space = .allocate(capacity: 1)
        space.initialize(to: VmapSpace(size: size, frames: allocator.memory.pageCount))
        deferred = VfreeDeferred(vmalloc: self)
        let unretained = Unmanaged.passUnretained(self) // stopped in deinit, as kswapd is
        purgeWorker = KernelThread(name: "kworker/drain_vmap", period: nil) {
            unretained._withUnsafeGuaranteedRef { $0.purge() }
            return true
        }
    }

    deinit {
        purgeWorker.stop()
        deferred.stop()
        space.deinitialize(count: 1)
        space.deallocate()
        munmap(start, size)
    }

    /// lazy_max_pages: fls(num_online_cpus()) * (32 MiB / PAGE_SIZE).
    public static func defaultLazyMaxPages(cpus: Int) -> Int {
        (Int.bitWidth - cpus.leadingZeroBitCount) * ((32 << 20) >> PhysicalMemory.pageShift)
    }

    /// is_vmalloc_addr.
    @inlinable public func isVmallocAddr(_ address: UnsafeRawPointer) -> Bool {
        UInt(bitPattern: address - UnsafeRawPointer(start)) < UInt(size)
    }

    /// The offset of an address in the range, or the error for one outside it.
    func offset(of address: UnsafeRawPointer) throws(KMemError) -> Int {
        guard isVmallocAddr(address) else { throw .notVmallocAddress(UInt(bitPattern: address)) }
        return address - UnsafeRawPointer(start)
    }

    func address(_ offset: Int) -> UnsafeMutableRawPointer { start + offset }

    /// Runs `body` on the space under the lock.
    func withSpace<T, E: Error>(_ body: (inout VmapSpace) throws(E) -> T) throws(E) -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body(&space.pointee)
    }

    /// Reports a call the kernel forbids in the current context (vmalloc and vunmap in
    /// interrupts, anything in NMI); the call then goes ahead, as the buggy kernel code would.
    func checkContext(forbidden: Bool, _ what: String, blocking: Bool, file: StaticString, line: UInt) {
        if forbidden {
            allocator.sleepCheck.report("\(what) in \(Current.context.rawValue) context", file: file, line: line)
        } else if blocking {
            SleepCheck.mightSleep(allocator.sleepCheck, what, file: file, line: line)
        }
    }
}
