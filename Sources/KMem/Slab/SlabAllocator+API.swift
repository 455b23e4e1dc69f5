/// The kmem_cache verbs in Swift spelling. GFP semantics and the sleep check apply to every
/// call; bad frees throw and change nothing.
extension SlabAllocator {
    /// kmem_cache_alloc.
    @inlinable @inline(__always)
    public func kmemCacheAlloc(_ cache: KmemCache, _ gfp: GFP, file: StaticString = #fileID, line: UInt = #line) -> UnsafeMutableRawPointer? {
        cache.allocate(gfp, caller: Caller(file: file, line: line))
    }

    /// kmem_cache_zalloc.
    @inlinable
    public func kmemCacheZalloc(_ cache: KmemCache, _ gfp: GFP, file: StaticString = #fileID, line: UInt = #line) -> UnsafeMutableRawPointer? {
        cache.allocate(gfp.union(.zero), caller: Caller(file: file, line: line))
    }

    /// kmem_cache_free.
    @inlinable @inline(__always)
    public func kmemCacheFree(_ cache: KmemCache, _ object: UnsafeMutableRawPointer,
                              file: StaticString = #fileID, line: UInt = #line) throws(KMemError) {
        try cache.free(object, caller: Caller(file: file, line: line))
    }

    /// kmem_cache_alloc_bulk: all `count` objects or none (returns 0 and frees what it got).
    public func kmemCacheAllocBulk(_ cache: KmemCache, _ gfp: GFP, into objects: UnsafeMutableBufferPointer<UnsafeMutableRawPointer?>,
                                   file: StaticString = #fileID, line: UInt = #line) -> Int {
        let caller = Caller(file: file, line: line)
        for index in objects.indices {
            guard let object = cache.allocate(gfp, caller: caller) else {
                for taken in objects[..<index] { try? cache.free(taken!, caller: caller) }
                return 0
            }
            objects[index] = object
        }
        return objects.count
    }

    /// kmem_cache_free_bulk. Every object is tried; the first problem is thrown afterwards.
    public func kmemCacheFreeBulk(_ cache: KmemCache, _ objects: UnsafeMutableBufferPointer<UnsafeMutableRawPointer?>,
                                  file: StaticString = #fileID, line: UInt = #line) throws(KMemError) {
        var problem: KMemError?
        for case let object? in objects {
            do throws(KMemError) { try cache.free(object, caller: Caller(file: file, line: line)) } catch {
                problem = problem ?? error
            }
        }
        if let problem { throw problem }
    }
}
