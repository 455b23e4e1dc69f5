/// An area reserved for a request that is not mapped yet (VM_UNINITIALIZED).
struct ReservedArea {
    let node: Int32
    let offset: Int
}

extension Vmalloc {
    /// alloc_vmap_area: `pages` pages plus the guard page unless VM_NO_GUARD. When the range
    /// is full, lazily freed areas are purged and the search runs once more, as the kernel does.
    func reserveArea(pages: Int, align: Int, flags: VMFlags) -> ReservedArea? {
        let size = (pages + (flags.contains(.noGuard) ? 0 : 1)) << PhysicalMemory.pageShift
        let align = max(align, PhysicalMemory.pageSize)
        let base = Int(bitPattern: start)
        lock.lock()
        defer { lock.unlock() }
        var found = space.pointee.allocate(size: size, align: align, base: base)
        if found == nil && space.pointee.lazy.count > 0 {
            purgeLocked()
            found = space.pointee.allocate(size: size, align: align, base: base)
        }
        guard let node = found else { return nil }
        space.pointee[node].flags = flags.union(.uninitialized)
        return ReservedArea(node: node, offset: space.pointee[node].start)
    }

    /// A lazily freed area still mapping exactly the frames just allocated needs no mapping:
    /// its stale mapping is the one the request would create. (The kernel cannot do this: it
    /// clears its page tables at vfree. Here a mapping costs a system call, and this is where
    /// lazy purging pays.)
    func takeOverLazyArea(_ pfns: UnsafeMutablePointer<Int32>, count: Int, align: Int, flags: VMFlags) -> ReservedArea? {
        let size = (count + (flags.contains(.noGuard) ? 0 : 1)) << PhysicalMemory.pageShift
        let align = max(align, PhysicalMemory.pageSize)
        return withSpace { space in
            guard let node = space.takeOverLazy(pfns, count: count, size: size, align: align,
                                                base: Int(bitPattern: start)) else { return nil }
            space[node].flags = flags.union(.uninitialized)
            return ReservedArea(node: node, offset: space[node].start)
        }
    }

    /// The area is mapped and now the caller's. `pfns` is nil when the area keeps its own.
    func publish(_ area: ReservedArea, pfns: UnsafeMutablePointer<Int32>?, pageCount: Int, requestedSize: Int,
                 file: StaticString, line: UInt) {
        let flags = withSpace { space in
            space[area.node].flags.remove(.uninitialized)
            if let pfns { space[area.node].pfns = pfns }
            space[area.node].pageCount = pageCount
            space[area.node].requestedSize = requestedSize
            space[area.node].caller = file
            space[area.node].callerLine = line
            return space[area.node].flags
        }
        events.count(flags.contains(.alloc) ? .vmallocPages : .vmapPages, by: pageCount)
    }

    /// A reservation whose request failed goes straight back to the free tree (after losing
    /// whatever part of it was mapped).
    func abandon(_ area: ReservedArea, mapped: Bool) {
        withSpace { space in
            if mapped { unmapRange(area.offset, space[area.node].size) }
            _ = space.busy.remove(start: area.offset, in: space.nodes)
            space.release(area.node)
        }
    }
}

extension VmapSpace {
    /// find_vmap_area for a release: the busy area that starts at `offset` and has `kind`
    /// (VM_ALLOC for vfree, VM_MAP for vunmap). Every other address is a caller bug.
    func areaToRelease(at offset: Int, kind: VMFlags, base: UnsafeMutableRawPointer,
                       deferred: Bool = false) throws(KMemError) -> Int32 {
        let address = UInt(bitPattern: base + offset)
        guard let node = busyArea(containing: offset), !self[node].flags.contains(.uninitialized) else {
            if let freed = lazy.floor(offset, in: nodes), self[freed].start == offset {
                throw .vmallocDoubleFree(address)
            }
            throw .nonexistentVmArea(address)
        }
        let area = self[node]
        guard area.start == offset else {
            throw .vmallocInteriorAddress(address, areaStart: UInt(bitPattern: base + area.start))
        }
        if area.flags.contains(.deferredFree) && !deferred { throw .vmallocDoubleFree(address) }
        guard area.flags.contains(kind) else {
            throw .wrongVmRelease(address, mappedBy: area.flags.contains(.alloc) ? "vmalloc" : "vmap")
        }
        return node
    }
}
