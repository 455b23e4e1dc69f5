import Glibc

extension Vmalloc {
    /// vmalloc, and __vmalloc with flags: `size` bytes (rounded up to pages) of virtually
    /// contiguous memory, or nil when memory or address space runs out. A size of 0 or beyond
    /// the range is a caller bug and throws.
    public func vmalloc(_ size: Int, gfp: GFP = .kernel,
                        file: StaticString = #fileID, line: UInt = #line) throws(KMemError) -> UnsafeMutableRawPointer? {
        try vmallocNodeRange(size, gfp: gfp, file: file, line: line)
    }

    /// vzalloc: zeroed vmalloc memory.
    public func vzalloc(_ size: Int, file: StaticString = #fileID, line: UInt = #line) throws(KMemError) -> UnsafeMutableRawPointer? {
        try vmallocNodeRange(size, gfp: GFP.kernel.union(.zero), file: file, line: line)
    }

    /// vmalloc_node and __vmalloc_node: on a NUMA node (0 or NUMA_NO_NODE in the model), with
    /// an alignment (a power of two; below a page means a page).
    public func vmallocNode(_ size: Int, align: Int = PhysicalMemory.pageSize, gfp: GFP = .kernel,
                            node: Int, file: StaticString = #fileID, line: UInt = #line) throws(KMemError) -> UnsafeMutableRawPointer? {
        try vmallocNodeRange(size, align: align, gfp: gfp, node: node, file: file, line: line)
    }

    /// __vmalloc_node_range over the whole range; `vmFlags` may hold VM_NO_GUARD.
    public func vmallocNodeRange(_ size: Int, align: Int = PhysicalMemory.pageSize, gfp: GFP = .kernel,
                                 vmFlags: VMFlags = [], node: Int = Vmalloc.numaNoNode,
                                 file: StaticString = #fileID, line: UInt = #line) throws(KMemError) -> UnsafeMutableRawPointer? {
        try checkRequest(size, align: align, node: node)
        checkContext(forbidden: Current.inHardirq || Current.inNMI, "vmalloc",
                     blocking: gfp.allowsBlocking, file: file, line: line)
        let pageCount = (size + PhysicalMemory.pageSize - 1) >> PhysicalMemory.pageShift
        guard pageCount <= allocator.memory.pageCount else { return fail(size, gfp, "exceeds total pages") }
        let flags = vmFlags.intersection(.noGuard).union(.alloc)
        let pfns = UnsafeMutablePointer<Int32>.allocate(capacity: pageCount)
        guard allocatePages(pfns, count: pageCount, gfp: gfp) else {
            pfns.deallocate()
            return fail(size, gfp, "failed to allocate pages")
        }
        if reuseStaleMappings, let area = takeOverLazyArea(pfns, count: pageCount, align: align, flags: flags) {
            pfns.deallocate()
            publish(area, pfns: nil, pageCount: pageCount, requestedSize: size, file: file, line: line)
            return address(area.offset)
        }
        guard let area = reserveArea(pages: pageCount, align: align, flags: flags) else {
            freePages(pfns, count: pageCount)
            pfns.deallocate()
            return fail(size, gfp, "vm_struct allocation failed")
        }
        guard mapPages(pfns, count: pageCount, at: area.offset) else {
            freePages(pfns, count: pageCount)
            pfns.deallocate()
            abandon(area, mapped: true)
            return fail(size, gfp, "failed to map pages")
        }
        publish(area, pfns: pfns, pageCount: pageCount, requestedSize: size, file: file, line: line)
        return address(area.offset)
    }

    /// vrealloc: resizes vmalloc memory, in place while the mapped pages hold the new size,
    /// else by moving it. A nil address allocates; a size of 0 frees and returns nil. On
    /// failure the old memory is untouched and nil is returned.
    public func vrealloc(_ address: UnsafeMutableRawPointer?, _ size: Int, gfp: GFP = .kernel,
                         file: StaticString = #fileID, line: UInt = #line) throws(KMemError) -> UnsafeMutableRawPointer? {
        guard let address else { return try vmalloc(size, gfp: gfp, file: file, line: line) }
        if size == 0 {
            try vfree(address, file: file, line: line)
            return nil
        }
        try checkRequest(size, align: PhysicalMemory.pageSize, node: Vmalloc.numaNoNode)
        let offset = try offset(of: address)
        let (oldSize, capacity) = try withSpace { (space) throws(KMemError) in
            let node = try space.areaToRelease(at: offset, kind: .alloc, base: start)
            let old = space[node].requestedSize
            if size <= space[node].pageCount << PhysicalMemory.pageShift { space[node].requestedSize = size }
            return (old, space[node].pageCount << PhysicalMemory.pageShift)
        }
        if size <= capacity {
            // Zero what a shrink gives up, so a later grow in place hands out zeroes again.
            if size < oldSize && gfp.contains(.zero) { (address + size).initializeMemory(as: UInt8.self, repeating: 0, count: oldSize - size) }
            return address
        }
        guard let moved = try vmalloc(size, gfp: gfp, file: file, line: line) else { return nil }
        moved.copyMemory(from: address, byteCount: oldSize)
        try vfree(address, file: file, line: line)
        return moved
    }

    // MARK: steps

    func checkRequest(_ size: Int, align: Int, node: Int) throws(KMemError) {
        guard size > 0, size <= self.size - PhysicalMemory.pageSize else {
            throw .invalidVmallocSize(size, limit: self.size - PhysicalMemory.pageSize)
        }
        guard align > 0, align & (align - 1) == 0 else { throw .invalidAlignment(align) }
        guard node == Vmalloc.numaNoNode || node == 0 else { throw .invalidNode(node) }
    }

    /// One order-0 page per slot. vmalloc's pages may come from any zone the flags allow,
    /// high memory included (as __vmalloc_area_node adds __GFP_HIGHMEM); failures are reported
    /// once for the whole request, not per page.
    func allocatePages(_ pfns: UnsafeMutablePointer<Int32>, count: Int, gfp: GFP) -> Bool {
        var flags = gfp.union(.nowarn)
        if !gfp.contains(.dma) && !gfp.contains(.dma32) { flags.insert(.highmem) }
        for index in 0..<count {
            guard let page = allocator.allocPages(flags, order: 0) else {
                freePages(pfns, count: index)
                return false
            }
            pfns[index] = Int32(allocator.pfn(of: page))
        }
        return true
    }

    /// warn_alloc for vmalloc ("vmalloc error: size N, ..."), then nil.
    func fail(_ size: Int, _ gfp: GFP, _ reason: String) -> UnsafeMutableRawPointer? {
        events.count(.failures)
        if !gfp.contains(.nowarn) {
            allocator.warnAllocation("vmalloc error: size \(size), \(reason), mode:0x"
                                     + "\(String(gfp.rawValue, radix: 16))(\(gfp)), nodemask=(null)")
        }
        return nil
    }
}
