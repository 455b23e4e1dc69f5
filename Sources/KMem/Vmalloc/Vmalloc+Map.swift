import CKMemShims
import Glibc

extension Vmalloc {
    /// vmap: maps pages the caller owns at one virtually contiguous address; vunmap undoes it
    /// and leaves the pages to the caller. Nil when address space runs out.
    public func vmap(_ pages: [PagePointer], flags: VMFlags = [],
                     file: StaticString = #fileID, line: UInt = #line) throws(KMemError) -> UnsafeMutableRawPointer? {
        try checkRequest(pages.count << PhysicalMemory.pageShift, align: PhysicalMemory.pageSize, node: Vmalloc.numaNoNode)
        checkContext(forbidden: Current.inInterrupt || Current.inNMI, "vmap", blocking: true, file: file, line: line)
        let pfns = UnsafeMutablePointer<Int32>.allocate(capacity: pages.count)
        for (index, page) in pages.enumerated() {
            let pfn = allocator.pfn(of: page)
            guard pfn >= 0 && pfn < allocator.memory.pageCount else {
                pfns.deallocate()
                throw .pfnOutOfRange(pfn, limit: allocator.memory.pageCount)
            }
            pfns[index] = Int32(pfn)
        }
        guard let area = reserveArea(pages: pages.count, align: PhysicalMemory.pageSize,
                                     flags: flags.intersection(.noGuard).union(.map)) else {
            pfns.deallocate()
            return fail(pages.count << PhysicalMemory.pageShift, .kernel, "vm_struct allocation failed")
        }
        guard mapPages(pfns, count: pages.count, at: area.offset) else {
            pfns.deallocate()
            abandon(area, mapped: true)
            return fail(pages.count << PhysicalMemory.pageShift, .kernel, "failed to map pages")
        }
        publish(area, pfns: pfns, pageCount: pages.count, requestedSize: pages.count << PhysicalMemory.pageShift,
                file: file, line: line)
        return address(area.offset)
    }

    /// vmalloc_to_page: the page mapped at a vmalloc address; nil for a guard page, a freed
    /// area, or an address outside the range.
    public func vmallocToPage(_ address: UnsafeRawPointer) -> PagePointer? {
        guard let offset = try? offset(of: address) else { return nil }
        let pfn: Int32? = withSpace { space in
            guard let node = space.busyArea(containing: offset), let pfns = space[node].pfns else { return nil }
            let index = (offset - space[node].start) >> PhysicalMemory.pageShift
            return index < space[node].pageCount ? pfns[index] : nil
        }
        return pfn.map { allocator.memory.page(Int($0)) }
    }

    /// vmap_pages_range: maps the frames at `offset` from the physical-memory memfd, one mmap
    /// call per run of contiguous frames. MAP_POPULATE fills the page table at once, as the
    /// kernel sets its PTEs at map time.
    func mapPages(_ pfns: UnsafeMutablePointer<Int32>, count: Int, at offset: Int) -> Bool {
        var index = 0
        while index < count {
            var run = 1
            while index + run < count && pfns[index + run] == pfns[index] + Int32(run) { run += 1 }
            let target = address(offset + index << PhysicalMemory.pageShift)
            let mapped = mmap(target, run << PhysicalMemory.pageShift, PROT_READ | PROT_WRITE,
                              MAP_SHARED | MAP_FIXED | MAP_POPULATE, allocator.memory.fileDescriptor,
                              off_t(pfns[index]) << PhysicalMemory.pageShift)
            guard mapped == target else { return false }
            events.count(.mapCalls)
            index += run
        }
        return true
    }

    /// Puts [offset, offset + length) back to no access and no backing, dropping any mapping.
    @discardableResult
    func unmapRange(_ offset: Int, _ length: Int) -> Bool {
        let target = address(offset)
        return mmap(target, length, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1, 0) == target
    }
}
