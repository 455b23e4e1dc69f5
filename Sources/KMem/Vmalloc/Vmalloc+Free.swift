extension Vmalloc {
    /// vfree: gives back vmalloc memory. The pages return to the buddy allocator at once; the
    /// mapping stays until the next purge (lazy TLB flushing). From an interrupt it defers to
    /// the worker, as the kernel does. A nil address is a no-op; an address vmalloc did not
    /// hand out, one freed already, or one inside an area throws and changes nothing.
    public func vfree(_ address: UnsafeMutableRawPointer?, file: StaticString = #fileID, line: UInt = #line) throws(KMemError) {
        guard let address else { return }
        if Current.inInterrupt || Current.inNMI { return try vfreeAtomic(address, file: file, line: line) }
        SleepCheck.mightSleep(allocator.sleepCheck, "vfree", file: file, line: line)
        try release(address, kind: .alloc)
    }

    /// vfree_atomic: checks the address, marks the area and queues it for the worker; never
    /// waits. Not allowed in NMI.
    public func vfreeAtomic(_ address: UnsafeMutableRawPointer?, file: StaticString = #fileID, line: UInt = #line) throws(KMemError) {
        guard let address else { return }
        checkContext(forbidden: Current.inNMI, "vfree_atomic", blocking: false, file: file, line: line)
        let offset = try offset(of: address)
        try withSpace { (space) throws(KMemError) in
            let node = try space.areaToRelease(at: offset, kind: .alloc, base: start)
            space[node].flags.insert(.deferredFree)
        }
        events.count(.deferredFrees)
        deferred.push(address)
    }

    /// vunmap: removes a vmap mapping; the pages stay the caller's.
    public func vunmap(_ address: UnsafeMutableRawPointer?, file: StaticString = #fileID, line: UInt = #line) throws(KMemError) {
        guard let address else { return }
        checkContext(forbidden: Current.inInterrupt || Current.inNMI, "vunmap", blocking: true, file: file, line: line)
        try release(address, kind: .map)
    }

    /// Runs the frees vfree_atomic queued so far (flush_work). Process context only.
    public func flushDeferredFrees() { deferred.flush() }

    /// The worker's half of vfree_atomic; the address was checked when it was queued.
    func freeDeferred(_ address: UnsafeMutableRawPointer) {
        do {
            try release(address, kind: .alloc, deferred: true)
        } catch {
            allocator.log.record(.warning, "WARNING: deferred vfree of 0x\(String(UInt(bitPattern: address), radix: 16)) failed: \(error)")
        }
    }

    /// free_vmap_area_noflush: the area moves from the busy tree to the lazy tree with its
    /// mapping intact; vmalloc pages go back to the buddy allocator at once, as the kernel's
    /// do (the stale mapping is the model's stale TLB entry). Once the lazy pages pass
    /// lazy_max_pages the purge worker is woken; the caller never purges.
    func release(_ address: UnsafeMutableRawPointer, kind: VMFlags, deferred: Bool = false) throws(KMemError) {
        let offset = try offset(of: address)
        let (pageCount, lazyPages) = try withSpace { (space) throws(KMemError) in
            let node = try space.areaToRelease(at: offset, kind: kind, base: start, deferred: deferred)
            _ = space.busy.remove(start: offset, in: space.nodes)
            space.makeLazy(node)
            // Under the lock: the frame list stays with the lazy area and a purge frees it.
            if kind == .alloc, let pfns = space[node].pfns { freePages(pfns, count: space[node].pageCount) }
            return (space[node].pageCount, space.lazyPages)
        }
        events.count(kind == .alloc ? .vmallocPages : .vmapPages, by: -pageCount)
        if lazyPages > lazyMaxPages { purgeWorker.wake() }
    }

    /// Gives vmalloc's pages back. They were allocated here and never handed to anyone else,
    /// so a failure means the page descriptors were corrupted from outside.
    func freePages(_ pfns: UnsafeMutablePointer<Int32>, count: Int) {
        for index in 0..<count {
            do {
                try allocator.freePages(allocator.memory.page(Int(pfns[index])), order: 0)
            } catch {
                allocator.log.record(.badPage, "BUG: vmalloc page pfn \(pfns[index]) could not be freed: \(error)")
            }
        }
    }
}
