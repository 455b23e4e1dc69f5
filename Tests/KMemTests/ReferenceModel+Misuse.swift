import KMem

/// The bad calls: each must throw, and leave the kernel as it was (the audit at the end of
/// the sequence checks that).
extension ReferenceModel {
    /// Whether the kernel rejected the misuse. A misuse with no live target to misuse falls
    /// back to a foreign pointer.
    func rejects(_ misuse: KernelOp.Misuse, _ target: Int) -> Bool {
        switch misuse {
        case .doubleFree where !sharesKernel:
            return rejectsDoubleFree(target)
        case .interiorPointer:
            // One byte in: never an object's start, whatever the slot size (pages round down).
            if let victim = peek(target, where: { if case .pages = $0.kind { false } else if case .pool(1) = $0.kind { false }
                                                  else if case .percpu = $0.kind { false } else { true } }) {
                return throwsError { try free(Allocation(kind: victim.kind, pointer: victim.pointer + 1, length: 0, tag: 0)) }
            }
        case .wrongOrder:
            if let victim = peek(target, where: { if case .pages = $0.kind { true } else { false } }),
               case .pages(let order) = victim.kind {
                return throwsError { try kernel.pages.freePages(address: victim.pointer, order: order == 0 ? 1 : order - 1) }
            }
        case .wrongCache:
            if let victim = peek(target, where: { if case .cache = $0.kind { true } else if case .pool(0) = $0.kind { true } else { false } }) {
                let other = if case .cache(let index) = victim.kind { fixture.caches[1 - index] } else { fixture.caches[0] }
                return throwsError { try kernel.slab.kmemCacheFree(other, victim.pointer) }
            }
        case .wrongRelease:
            if let victim = peek(target, where: { if case .vmalloc = $0.kind { true } else { false } }) {
                return throwsError { try kernel.vmalloc.vunmap(victim.pointer) }
            }
        case .doubleFree, .foreignPointer:
            break
        }
        return rejectsForeignPointer(target)
    }

    /// Something made, freed and freed again at once: the second free is rejected. (With other
    /// threads on the kernel the freed memory could be theirs by then, so those runs skip it.)
    private func rejectsDoubleFree(_ target: Int) -> Bool {
        let allocation: Allocation?
        switch target % 4 {
        case 0: allocation = kernel.slab.kmalloc(64, .kernel).map { Allocation(kind: .kmalloc(size: 64), pointer: $0, length: 0, tag: 0) }
        case 1: allocation = kernel.slab.kmemCacheAlloc(fixture.caches[0], .kernel).map { Allocation(kind: .cache(0), pointer: $0, length: 0, tag: 0) }
        case 2: allocation = kernel.pages.getFreePages(.kernel, order: 1).map { Allocation(kind: .pages(order: 1), pointer: $0, length: 0, tag: 0) }
        default: allocation = (try? kernel.vmalloc.vmalloc(4096))?.map { Allocation(kind: .vmalloc(pages: 1), pointer: $0, length: 0, tag: 0) }
        }
        guard let allocation else { return true } // nothing to misuse
        do { try free(allocation) } catch {
            note("the first free of \(allocation.kind) threw \(error)")
            return true
        }
        return throwsError { try free(allocation) }
    }

    /// A pointer no allocator handed out, to each free; or a live page's address to kfree.
    private func rejectsForeignPointer(_ target: Int) -> Bool {
        let foreign = fixture.foreign
        switch target % 6 {
        case 0: return throwsError { try kernel.slab.kfree(foreign) }
        case 1: return throwsError { try kernel.slab.kmemCacheFree(fixture.caches[0], foreign) }
        case 2: return throwsError { try kernel.pages.freePages(address: foreign, order: 0) }
        case 3: return throwsError { try kernel.vmalloc.vfree(foreign) }
        case 4: return throwsError { try fixture.slabPool.free(foreign) }
        default:
            guard let page = peek(target, where: { if case .pages = $0.kind { true } else { false } }) else {
                return throwsError { try kernel.percpu.freePercpu(PercpuPointer(bitPattern: 1 << 40)!) }
            }
            return throwsError { try kernel.slab.kfree(page.pointer) }
        }
    }

    private func throwsError(_ call: () throws -> Void) -> Bool {
        do { try call() } catch { return true }
        return false
    }
}
