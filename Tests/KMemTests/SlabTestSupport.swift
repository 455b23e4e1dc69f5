import Foundation
@testable import KMem

/// A 128 MiB model kernel on 2 CPUs with the given slab settings; no background threads.
/// `configure` changes anything else before the kernel is made.
func makeKernel(design: PerCPUDesign = .sheaves, capacity: Int? = nil, debug: SlabFlags = [],
                depotFullCap: Int? = nil, depotEmptyCap: Int? = nil, memory: Int = 128 << 20,
                hardenedFreeCheck: Bool = false,
                configure: (inout Kernel.Configuration) -> Void = { _ in }) throws -> Kernel {
    var configuration = Kernel.Configuration()
    configuration.pages.memorySize = memory
    configuration.pages.cpus = 2
    configuration.pages.kswapd = false
    configuration.pages.statInterval = nil
    configuration.slab.design = design
    configuration.slab.magazineCapacity = capacity
    configuration.slab.debug = debug
    configuration.slab.depotFullCap = depotFullCap
    configuration.slab.depotEmptyCap = depotEmptyCap
    configuration.slab.reapInterval = nil
    configuration.slab.hardenedFreeCheck = hardenedFreeCheck
    configure(&configuration)
    return try Kernel(configuration)
}

extension Kernel {
    /// Pages held by every cache's slabs, magazine caches included.
    var slabPages: Int { slab.slabInfo().reduce(0) { $0 + $1.slabs * $1.pagesPerSlab } }

    /// The conservation check: every page is free, on a pcp list, in some cache's slab, or
    /// one of the `largePages` the caller holds through large kmallocs.
    func pagesConserved(largePages: Int = 0) -> Bool {
        let stats = pages.statistics()
        return stats.freePages + stats.pcpPages + slabPages + largePages == pages.memory.pageCount
    }

    /// Shuts the slab allocator down and checks that every page is back in the buddy allocator.
    func everyPageReturned() -> Bool {
        slab.shutdown() == 0 && pages.isPristine
    }
}
