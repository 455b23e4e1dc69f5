/// The model kernel: one physical memory with its page allocator, and on top of it the slab
/// allocator (kmem caches and kmalloc), vmalloc (with kvmalloc spanning both) and the per-CPU
/// allocator. Create one per experiment.
public final class Kernel: Sendable {
    public struct Configuration: Sendable {
        public var pages = PageAllocator.Configuration()
        public var slab = SlabAllocator.Configuration()
        public var vmalloc = Vmalloc.Configuration()
        /// Bytes of each CPU's unit in a per-CPU chunk.
        public var percpuUnitSize = 32 << 10
        public init() {}
    }

    public let pages: PageAllocator
    public let slab: SlabAllocator
    public let vmalloc: Vmalloc
    public let percpu: PercpuAllocator

    public init(_ configuration: Configuration = Configuration()) throws(KMemError) {
        pages = try PageAllocator(configuration.pages)
        slab = try SlabAllocator(pages: pages, configuration: configuration.slab)
        vmalloc = try Vmalloc(allocator: pages, configuration: configuration.vmalloc)
        percpu = try PercpuAllocator(pages: pages, unitSize: configuration.percpuUnitSize)
    }

    public var log: KernelLog { pages.log }
}
