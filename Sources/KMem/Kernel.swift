/// The model kernel: one physical memory with its page allocator, and the slab allocator
/// (kmem caches and kmalloc) on top. Create one per experiment.
public final class Kernel: Sendable {
    public struct Configuration: Sendable {
        public var pages = PageAllocator.Configuration()
        public var slab = SlabAllocator.Configuration()
        public init() {}
    }

    public let pages: PageAllocator
    public let slab: SlabAllocator

    public init(_ configuration: Configuration = Configuration()) throws(KMemError) {
        pages = try PageAllocator(configuration.pages)
        slab = try SlabAllocator(pages: pages, configuration: configuration.slab)
    }

    public var log: KernelLog { pages.log }
}
