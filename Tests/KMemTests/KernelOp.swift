import KMem
import PropertyBased

/// One step of a random sequence of calls on the model kernel's public API, for the property
/// tests. Built from small integers, so PropertyBased can shrink a failing sequence (drop
/// steps, lower numbers); a free or a misuse names its target by position among what is live,
/// which stays meaningful as the sequence shrinks.
enum KernelOp: Sendable, CustomStringConvertible {
    case kmalloc(size: Int, ExecutionContext)
    case cacheAlloc(cache: Int, ExecutionContext)
    case allocPages(order: Int, ExecutionContext)
    case vmalloc(pages: Int)
    case poolAlloc(pool: Int, ExecutionContext)
    case allocPercpu(size: Int)
    case free(target: Int, ExecutionContext)
    case misuse(Misuse, target: Int)

    /// The bad calls: each must throw and change nothing.
    enum Misuse: Int, CaseIterable, Sendable {
        case doubleFree, foreignPointer, interiorPointer, wrongOrder, wrongCache, wrongRelease
    }

    static let kmallocSizes = [1, 8, 13, 24, 64, 96, 100, 192, 256, 500, 1000, 2048, 3000, 8192, 9000, 20_000]

    init(kind: Int, argument: Int, context: Int) {
        let context: ExecutionContext = [.process, .softirq, .hardirq][context]
        switch kind {
        case 0: self = .kmalloc(size: KernelOp.kmallocSizes[argument % KernelOp.kmallocSizes.count], context)
        case 1: self = .cacheAlloc(cache: argument % 2, context)
        case 2: self = .allocPages(order: argument % 4, context)
        case 3: self = .vmalloc(pages: 1 + argument % 4)
        case 4: self = .poolAlloc(pool: argument % 2, context)
        case 5: self = .allocPercpu(size: 8 << (argument % 6))
        case 6, 7: self = .free(target: argument, context)
        default: self = .misuse(Misuse(rawValue: argument % Misuse.allCases.count)!, target: argument / Misuse.allCases.count)
        }
    }

    /// Sequences of 1...`length` steps; frees are as likely as the allocations together, a
    /// misuse one step in five.
    static func sequence(length: Int) -> Generator<[KernelOp], some SendableSequenceType> {
        zip(Gen.int(in: 0...9), Gen.int(in: 0...99), Gen.int(in: 0...2))
            .map { KernelOp(kind: $0, argument: $1, context: $2) }
            .array(of: 1...length)
    }

    var description: String {
        switch self {
        case .kmalloc(let size, let context): "kmalloc(\(size)) in \(context)"
        case .cacheAlloc(let cache, let context): "kmem_cache_alloc(cache \(cache)) in \(context)"
        case .allocPages(let order, let context): "alloc_pages(order \(order)) in \(context)"
        case .vmalloc(let pages): "vmalloc(\(pages) pages)"
        case .poolAlloc(let pool, let context): "mempool_alloc(pool \(pool)) in \(context)"
        case .allocPercpu(let size): "alloc_percpu(\(size))"
        case .free(let target, let context): "free(live #\(target)) in \(context)"
        case .misuse(let misuse, let target): "\(misuse)(live #\(target))"
        }
    }
}
