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
        }
    }
}
