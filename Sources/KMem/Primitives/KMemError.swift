/// Misuse of the model kernel's API that the kernel itself would meet with a BUG or a bad-page
/// report. Each case names what was wrong; the allocator's state is left as it was.
public enum KMemError: Error, Equatable, CustomStringConvertible {
    case invalidOrder(Int)
    case notDirectMapAddress(UInt)
    case pfnOutOfRange(Int, limit: Int)
    case doubleFree(pfn: Int)
    case notAllocated(pfn: Int)
    case wrongOrder(pfn: Int, allocated: Int, freed: Int)
    case configuration(String)
    case system(String)
    case notSlabObject(UInt)
    case wrongCache(address: UInt, expected: String, actual: String)
    case interiorPointer(address: UInt, cache: String, offset: Int)
    case objectAlreadyFree(address: UInt, cache: String)
    case slabCorruption(cache: String, problem: String)
    // vmalloc
    case invalidVmallocSize(Int, limit: Int)
    case invalidAlignment(Int)
    case invalidNode(Int)
    case notVmallocAddress(UInt)
    case nonexistentVmArea(UInt)
    case vmallocInteriorAddress(UInt, areaStart: UInt)
    case vmallocDoubleFree(UInt)
    case wrongVmRelease(UInt, mappedBy: String)
    // mempool
    case invalidMinNr(Int)
    case foreignMempoolElement(String)

    public var description: String {
        switch self {
        case .invalidOrder(let order):
            "invalid page order \(order): orders run from 0 to \(PageAllocator.maxOrder)"
        case .notDirectMapAddress(let address):
            "0x\(String(address, radix: 16)) is not a direct-map address: it lies outside physical memory"
        case .pfnOutOfRange(let pfn, let limit):
            "pfn \(pfn) is outside physical memory (valid pfns are 0..<\(limit))"
        case .doubleFree(let pfn):
            "double free of pfn \(pfn): the page is already free"
        case .notAllocated(let pfn):
            "pfn \(pfn) was never handed out: it is not the first page of an allocated block"
        case .wrongOrder(let pfn, let allocated, let freed):
            "pfn \(pfn) freed with order \(freed) but was allocated with order \(allocated)"
        case .configuration(let message), .system(let message):
            message
        case .notSlabObject(let address):
            "0x\(String(address, radix: 16)) was not handed out by any cache: it is not inside a slab"
        case .wrongCache(let address, let expected, let actual):
            "0x\(String(address, radix: 16)) freed to cache \(expected) but belongs to cache \(actual)"
        case .interiorPointer(let address, let cache, let offset):
            "0x\(String(address, radix: 16)) points \(offset) bytes into an object of \(cache), not at its start"
        case .objectAlreadyFree(let address, let cache):
            "\(cache): object 0x\(String(address, radix: 16)) already free (double free)"
        case .slabCorruption(let cache, let problem):
            "\(cache): \(problem)"
        case .invalidVmallocSize(let size, let limit):
            "invalid vmalloc size \(size): sizes run from 1 to \(limit) bytes (the range less one guard page)"
        case .invalidAlignment(let align):
            "invalid alignment \(align): it must be a power of two"
        case .invalidNode(let node):
            "invalid NUMA node \(node): the model has node 0 (or NUMA_NO_NODE, -1)"
        case .notVmallocAddress(let address):
            "0x\(String(address, radix: 16)) is not a vmalloc address: it lies outside the vmalloc range"
        case .nonexistentVmArea(let address):
            "Trying to vfree() nonexistent vm area (0x\(String(address, radix: 16))): no area starts there"
        case .vmallocInteriorAddress(let address, let areaStart):
            "0x\(String(address, radix: 16)) lies inside the vm area that starts at "
                + "0x\(String(areaStart, radix: 16)): free the start address"
        case .vmallocDoubleFree(let address):
            "double vfree of 0x\(String(address, radix: 16)): the area is already freed"
        case .wrongVmRelease(let address, let mappedBy):
            "0x\(String(address, radix: 16)) was mapped by \(mappedBy): release it with "
                + (mappedBy == "vmap" ? "vunmap" : "vfree")
        case .invalidMinNr(let minNr):
            "invalid mempool min_nr \(minNr): a pool reserves at least one element"
        case .foreignMempoolElement(let what):
            "mempool_free of an element the pool's allocator did not hand out: \(what)"
        }
    }
}
