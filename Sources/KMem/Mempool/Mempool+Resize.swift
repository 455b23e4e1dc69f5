extension Mempool {
    /// mempool_resize: a smaller min_nr gives the surplus back at once; a larger one grows the
    /// reserve's storage and fills it with blocking allocations. Returns false (-ENOMEM)
    /// when the allocator could not fill it; min_nr is changed either way.
    @discardableResult
    public func resize(_ newMinNr: Int, file: StaticString = #fileID, line: UInt = #line) throws(KMemError) -> Bool {
        guard newMinNr >= 1 else { throw .invalidMinNr(newMinNr) }
        SleepCheck.mightSleep(sleepCheck, "mempool_resize", file: file, line: line)
        lock.lock()
        var surplus: [Source.Element] = []
        if newMinNr <= minNr {
            while currNr > newMinNr { surplus.append(remove()) }
        } else {
            let larger = UnsafeMutablePointer<Source.Element>.allocate(capacity: newMinNr)
            larger.moveInitialize(from: elements, count: currNr)
            elements.deallocate()
            elements = larger
        }
        minimum.store(newMinNr, ordering: .relaxed)
        lock.unlock()
        for element in surplus { source.free(element) }
        return fillReserve()
    }

    /// Allocates (GFP_KERNEL) until the reserve holds min_nr; false if the allocator failed.
    private func fillReserve() -> Bool {
        while currNr < minNr {
            guard let element = source.alloc(.kernel) else { return false }
            lock.lock()
            let added = currNr < minNr
            if added { add(element) }
            lock.unlock()
            // A concurrent free filled the reserve first.
            if !added { source.free(element) }
        }
        return true
    }
}
