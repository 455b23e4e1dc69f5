extension Mempool {
    /// How long a blocking mempool_alloc sleeps before trying the allocator again.
    static var retryTimeout: Duration { .seconds(5) }

    /// mempool_alloc: (1) the allocator with NOMEMALLOC | NORETRY | NOWARN and without direct
    /// reclaim or IO; (2) the reserve; (3) the allocator once more with the caller's full
    /// flags; (4) a caller that can block sleeps until a free refills the reserve (or 5 s
    /// pass) and starts over, so it never gets nil; one that cannot gets nil.
    public func alloc(_ gfp: GFP, file: StaticString = #fileID, line: UInt = #line) -> Source.Element? {
        if gfp.allowsBlocking { SleepCheck.mightSleep(sleepCheck, "mempool_alloc", file: file, line: line) }
        let full = gfp.union([.nomemalloc, .noretry, .nowarn])
        var attempt = full.subtracting([.directReclaim, .io])
        while true {
            // Not counted: a shared counter here cost a locked add per allocation and a
            // bouncing cache line between CPUs; the kernel counts nothing on this path either.
            if let element = source.alloc(attempt) { return element }
            if let element = takeFromReserve() {
                events.count(.fromReserve)
                return element
            }
            if attempt != full {
                attempt = full
                continue
            }
            guard gfp.allowsBlocking else {
                events.count(.failures)
                return nil
            }
            events.count(.waits)
            wait.wait(timeout: Mempool.retryTimeout, file: file, line: line) { currNr > 0 }
        }
    }

    /// mempool_free: refills the reserve while it is below min_nr (waking sleepers), else
    /// gives the element back to the allocator. Nil is a no-op; an element the source cannot
    /// have handed out, or one already in the reserve, throws and changes nothing.
    public func free(_ element: Source.Element?) throws(KMemError) {
        guard let element else { return }
        try source.check(element)
        if currNr < minNr, try refill(element) {
            events.count(.refills)
            if wait.hasSleepers { wait.wakeUp() }
            return
        }
        source.free(element)
    }

    private func takeFromReserve() -> Source.Element? {
        lock.lock()
        defer { lock.unlock() }
        return currNr > 0 ? remove() : nil
    }

    /// Adds the element if the reserve is still short; whether it did.
    private func refill(_ element: Source.Element) throws(KMemError) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        guard currNr < minNr else { return false }
        for index in 0..<currNr where elements[index] == element {
            throw .foreignMempoolElement("the element is already in the reserve (freed twice)")
        }
        add(element)
        return true
    }
}
