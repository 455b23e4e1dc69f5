import KMem

/// Running a step on the kernel and checking it against the reference model.
extension ReferenceModel {
    func apply(_ op: KernelOp) {
        let step = op.description
        do {
            switch op {
            case .kmalloc(let size, let context):
                record(.kmalloc(size: size), run(context) { kernel.slab.kmalloc(size, gfp(context)) }, length: size, by: step)
            case .cacheAlloc(let index, let context):
                let cache = fixture.caches[index]
                record(.cache(index), run(context) { kernel.slab.kmemCacheAlloc(cache, gfp(context)) }, length: cache.objectSize, by: step)
            case .allocPages(let order, let context):
                record(.pages(order: order), run(context) { kernel.pages.getFreePages(gfp(context), order: order) },
                       length: 4096 << order, by: step)
            case .vmalloc(let pages):
                record(.vmalloc(pages: pages), try kernel.vmalloc.vmalloc(pages * 4096), length: pages * 4096, by: step)
            case .poolAlloc(0, let context):
                record(.pool(0), run(context) { fixture.slabPool.alloc(gfp(context)) }, length: 96, by: step)
            case .poolAlloc(_, let context):
                let page = run(context) { fixture.pagePool.alloc(gfp(context)) }
                record(.pool(1), page.map { kernel.pages.pageAddress($0) }, length: 4096, by: step)
            case .allocPercpu(let size):
                if let area = try kernel.percpu.allocPercpu(size: size, align: 8) {
                    record(.percpu(area), kernel.percpu.perCPUPointer(area, cpu: 0), length: size, by: step)
                }
            case .free(let target, let context):
                guard let allocation = take(target) else { return }
                checkContents(allocation, "before \(step)")
                try run(context) { try free(allocation) }
            case .misuse(let misuse, let target):
                if !rejects(misuse, target) { note("\(step) was not rejected") }
            }
        } catch {
            note("\(step) threw \(error)")
        }
    }

    /// GFP_KERNEL in process context, GFP_ATOMIC in interrupts.
    func gfp(_ context: ExecutionContext) -> GFP { context == .process ? .kernel : .atomic }

    func run<T>(_ context: ExecutionContext, _ body: () throws -> T) rethrows -> T {
        switch context {
        case .softirq: try Current.inSoftirq(body)
        case .hardirq, .nmi: try Current.inHardirq(body)
        case .process: try body()
        }
    }

    /// The free that matches the allocation (vfree from an interrupt defers to the worker).
    func free(_ allocation: Allocation) throws {
        switch allocation.kind {
        case .kmalloc: try kernel.slab.kfree(allocation.pointer)
        case .cache(let index): try kernel.slab.kmemCacheFree(fixture.caches[index], allocation.pointer)
        case .pages(let order): try kernel.pages.freePages(address: allocation.pointer, order: order)
        case .vmalloc: try kernel.vmalloc.vfree(allocation.pointer)
        case .pool(0): try fixture.slabPool.free(allocation.pointer)
        case .pool: try fixture.pagePool.free(try kernel.pages.virtToPage(allocation.pointer))
        case .percpu(let area): try kernel.percpu.freePercpu(area)
        }
    }

    /// Frees everything still live, checking each allocation's bytes first.
    func freeAll() {
        while let allocation = take(0) {
            checkContents(allocation, "at the end")
            do { try free(allocation) } catch { note("freeing \(allocation.kind) at the end threw \(error)") }
        }
    }
}
