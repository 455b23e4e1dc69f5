/// The kmalloc family: general-purpose caches of 8 bytes to 8 KiB (and their DMA twins);
/// larger requests go to the page allocator as compound pages.
public enum Kmalloc {
    public static let sizes = [8, 16, 32, 64, 96, 128, 192, 256, 512, 1024, 2048, 4096, 8192]
    /// KMALLOC_MAX_CACHE_SIZE: larger requests bypass the caches.
    public static let maxCacheSize = 8192
    /// KMALLOC_MAX_SIZE: one maximal buddy block.
    public static let maxSize = PhysicalMemory.pageSize << PageAllocator.maxOrder
    /// ZERO_SIZE_PTR: what kmalloc(0) returns; kfree and ksize accept it.
    @inlinable public static var zeroSizePointer: UnsafeMutableRawPointer { UnsafeMutableRawPointer(bitPattern: 16)! }

    /// kmalloc_slab's index: the cache of a size of 1...8192. As in the kernel, sizes up to 192
    /// look up a table by (size - 1) / 8 (size_index_elem, where the 96- and 192-byte caches
    /// sit between the powers of two) and larger ones take fls(size - 1). The table for
    /// 1...128 is sixteen 4-bit entries packed in one constant (0-based into `sizes`: 8, 16,
    /// 32, 32, 64 x4, 96 x4, 128 x4); 129...192 is all kmalloc-192.
    /// Forced inline, with wrapping arithmetic (callers pass 1...8192): left to the optimizer it
    /// was a call with overflow checks.
    @inlinable @inline(__always) static func index(_ size: Int) -> Int {
        if size <= 128 { return Int(truncatingIfNeeded: 0x5555_4444_3333_2210 &>> (((size &- 1) &>> 3) &<< 2)) & 0xF }
        if size <= 192 { return 6 }
        return Int.bitWidth &- (size &- 1).leadingZeroBitCount &- 1 // fls(size - 1) - 1
    }

    static func name(_ size: Int) -> String { size >= 1024 ? "\(size / 1024)k" : "\(size)" }
}

extension SlabAllocator {
    func createKmallocCaches() throws(KMemError) {
        for (index, size) in Kmalloc.sizes.enumerated() {
            for dma in [false, true] {
                // kmalloc guarantees alignment to the size's largest power-of-two divisor.
                let cache = try createCache((dma ? "dma-kmalloc-" : "kmalloc-") + Kmalloc.name(size), size: size,
                                            align: size & -size,
                                            flags: dma ? .cacheDMA : [], useroffset: 0, usersize: 0,
                                            design: nil, magazineCapacity: nil, isKmalloc: true, constructor: nil)
                kmallocCaches[index + (dma ? Kmalloc.sizes.count : 0)] = Unmanaged.passUnretained(cache)
            }
        }
    }

    /// The kmalloc cache serving `size` (nil above 8 KiB or for size 0).
    public func kmallocCache(for size: Int, dma: Bool = false) -> KmemCache? {
        guard size > 0 && size <= Kmalloc.maxCacheSize else { return nil }
        return kmallocCaches[Kmalloc.index(size) + (dma ? Kmalloc.sizes.count : 0)].takeUnretainedValue()
    }

    /// kmalloc. Size 0 returns ZERO_SIZE_PTR, as in the kernel; a size above KMALLOC_MAX_SIZE
    /// (or negative) fails with a warning naming it.
    @inlinable @inline(__always)
    public func kmalloc(_ size: Int, _ gfp: GFP, file: StaticString = #fileID, line: UInt = #line) -> UnsafeMutableRawPointer? {
        if size > 0 && size <= Kmalloc.maxCacheSize {
            let index = Kmalloc.index(size) &+ (gfp.contains(.dma) ? Kmalloc.sizes.count : 0)
            return kmallocCaches[index]._withUnsafeGuaranteedRef { cache in
                let object = cache.allocate(gfp, caller: Caller(file: file, line: line))
                if cache.layout.origSizeOffset >= 0, let object { cache.recordRequestedSize(object, size) }
                return object
            }
        }
        return kmallocLarge(size, gfp, caller: Caller(file: file, line: line))
    }

    /// kzalloc.
    @inlinable
    public func kzalloc(_ size: Int, _ gfp: GFP, file: StaticString = #fileID, line: UInt = #line) -> UnsafeMutableRawPointer? {
        kmalloc(size, gfp.union(.zero), file: file, line: line)
    }

    /// kmalloc_array: fails (with a warning) when n * size overflows.
    public func kmallocArray(_ count: Int, _ size: Int, _ gfp: GFP, file: StaticString = #fileID, line: UInt = #line) -> UnsafeMutableRawPointer? {
        let bytes = arraySize(count, size)
        guard bytes != Int.max else { return rejectOverflow("kmalloc_array(\(count), \(size))", gfp, file: file, line: line) }
        return kmalloc(bytes, gfp, file: file, line: line)
    }

    /// kcalloc.
    public func kcalloc(_ count: Int, _ size: Int, _ gfp: GFP, file: StaticString = #fileID, line: UInt = #line) -> UnsafeMutableRawPointer? {
        kmallocArray(count, size, gfp.union(.zero), file: file, line: line)
    }

    @inline(never) @usableFromInline
    func kmallocLarge(_ size: Int, _ gfp: GFP, caller: Caller) -> UnsafeMutableRawPointer? {
        if size == 0 { return Kmalloc.zeroSizePointer }
        guard size > 0 && size <= Kmalloc.maxSize else {
            if !gfp.contains(.nowarn) {
                log.record(.warning, "WARNING: at \(caller.description): kmalloc of \(size) bytes: "
                           + "outside 0...KMALLOC_MAX_SIZE (\(Kmalloc.maxSize))")
            }
            return nil
        }
        guard let page = pages.allocPages(gfp.union(.comp), order: PageAllocator.getOrder(size),
                                          file: caller.file, line: caller.line) else { return nil }
        page.pointee.flags.insert(.largeKmalloc)
        return pages.pageAddress(page)
    }

    func rejectOverflow(_ call: String, _ gfp: GFP, file: StaticString, line: UInt) -> UnsafeMutableRawPointer? {
        if !gfp.contains(.nowarn) { log.record(.warning, "WARNING: at \(file):\(line): \(call): size overflows") }
        return nil
    }

    /// kfree. nil and ZERO_SIZE_PTR are no-ops; a pointer that kmalloc did not hand out, an
    /// interior pointer or a second free throws and changes nothing.
    @inlinable @inline(__always)
    public func kfree(_ pointer: UnsafeMutableRawPointer?, file: StaticString = #fileID, line: UInt = #line) throws(KMemError) {
        // nil and ZERO_SIZE_PTR lie below the direct map (mmap never maps page 0): one range
        // test sends them out of line with every other pointer outside it. The bounds are
        // copied into the allocator: holding `pages.memory` in a local cost a retain and a
        // release per kfree.
        let offset = UInt(bitPattern: pointer) &- UInt(bitPattern: memoryBase)
        guard offset < memorySize, let pointer else { return try kfreeOutsideDirectMap(pointer) }
        var page = descriptors + Int(offset >> UInt(PhysicalMemory.pageShift))
        if page.pointee.flags.contains(.tail) { page = descriptors + Int(page.pointee.compoundHead) }
        if page.pointee.flags.contains(.slab), let owner = page.pointee.slabCache {
            // _withUnsafeGuaranteedRef rethrows untyped: the error comes out as a value.
            let problem: KMemError? = Unmanaged<KmemCache>.fromOpaque(owner)._withUnsafeGuaranteedRef { cache -> KMemError? in
                do throws(KMemError) {
                    try cache.free(pointer, slab: page, caller: Caller(file: file, line: line))
                    return nil
                } catch { return error }
            }
            if let problem { throw problem }
            return
        }
        try freeLarge(pointer, page: page)
    }

    @inline(never) @usableFromInline
    func kfreeOutsideDirectMap(_ pointer: UnsafeMutableRawPointer?) throws(KMemError) {
        guard let pointer, pointer != Kmalloc.zeroSizePointer else { return }
        throw .notSlabObject(UInt(bitPattern: pointer))
    }

    @inline(never) @usableFromInline
    func freeLarge(_ pointer: UnsafeMutableRawPointer, page: PagePointer) throws(KMemError) {
        guard page.pointee.flags.contains(.largeKmalloc) else { throw .notSlabObject(UInt(bitPattern: pointer)) }
        let start = pages.pageAddress(page)
        guard pointer == start else {
            throw .interiorPointer(address: UInt(bitPattern: pointer), cache: "kmalloc-large", offset: pointer - start)
        }
        page.pointee.flags.remove(.largeKmalloc)
        try pages.freePages(page, order: Int(page.pointee.order))
    }

    /// ksize: what the caller may use of the allocation, slab_ksize: the whole slot, but only
    /// the object in a debug cache that red-zones or poisons past it, and only up to the owner
    /// tracking with U. Asking makes it usable: a debug kmalloc object's requested size widens
    /// to the object (skip_orig_size_check), so its red zone no longer starts at the request.
    public func ksize(_ pointer: UnsafeMutableRawPointer?) throws(KMemError) -> Int {
        guard let pointer, pointer != Kmalloc.zeroSizePointer else { return 0 }
        switch try allocation(pointer) {
        case .object(let cache):
            if cache.keepsOrigSize { cache.recordRequestedSize(pointer, cache.layout.objectSize) }
            return cache.usableSize
        case .pages(let bytes):
            return bytes
        }
    }

    enum Allocation {
        case object(KmemCache)
        case pages(Int)
    }

    /// The slab object or large kmalloc `pointer` starts; anything else throws.
    func allocation(_ pointer: UnsafeMutableRawPointer) throws(KMemError) -> Allocation {
        guard pages.memory.contains(pointer) else { throw .notSlabObject(UInt(bitPattern: pointer)) }
        let page = pages.compoundHead(try pages.virtToPage(pointer))
        if page.pointee.flags.contains(.slab), let owner = page.pointee.slabCache {
            let cache = Unmanaged<KmemCache>.fromOpaque(owner).takeUnretainedValue()
            guard cache.objectIndex(pointer, in: page) != nil else { throw cache.interiorPointerError(pointer, page) }
            return .object(cache)
        }
        guard page.pointee.flags.contains(.largeKmalloc), pointer == pages.pageAddress(page) else {
            throw .notSlabObject(UInt(bitPattern: pointer))
        }
        return .pages(PhysicalMemory.pageSize << Int(page.pointee.order))
    }

    /// krealloc: resizes in place when the object's cache slot is big enough (re-red-zoning or
    /// zeroing the difference, as the kernel does), else allocates, copies and frees. On
    /// failure the old object is untouched and nil is returned.
    public func krealloc(_ pointer: UnsafeMutableRawPointer?, _ size: Int, _ gfp: GFP,
                         file: StaticString = #fileID, line: UInt = #line) throws(KMemError) -> UnsafeMutableRawPointer? {
        guard let pointer, pointer != Kmalloc.zeroSizePointer else { return kmalloc(size, gfp, file: file, line: line) }
        if size == 0 {
            try kfree(pointer, file: file, line: line)
            return Kmalloc.zeroSizePointer
        }
        // What the caller had: the requested size a debug cache keeps, else the object (krealloc's ks).
        let old = switch try allocation(pointer) {
        case .object(let cache): cache.origSize(pointer)
        case .pages(let bytes): bytes
        }
        if let cache = kmallocCacheOwning(pointer), size <= cache.layout.objectSize {
            cache.resizeInPlace(pointer, from: old, to: size, zero: gfp.contains(.zero))
            return pointer
        }
        if size <= old { return pointer }
        guard let fresh = kmalloc(size, gfp, file: file, line: line) else { return nil }
        fresh.copyMemory(from: pointer, byteCount: min(old, size))
        if gfp.contains(.zero) && size > old { (fresh + old).initializeMemory(as: UInt8.self, repeating: 0, count: size - old) }
        try kfree(pointer, file: file, line: line)
        return fresh
    }

    /// krealloc_array.
    public func kreallocArray(_ pointer: UnsafeMutableRawPointer?, _ count: Int, _ size: Int, _ gfp: GFP,
                              file: StaticString = #fileID, line: UInt = #line) throws(KMemError) -> UnsafeMutableRawPointer? {
        let bytes = arraySize(count, size)
        guard bytes != Int.max else { return rejectOverflow("krealloc_array(\(count), \(size))", gfp, file: file, line: line) }
        return try krealloc(pointer, bytes, gfp, file: file, line: line)
    }

    func kmallocCacheOwning(_ pointer: UnsafeMutableRawPointer) -> KmemCache? {
        cacheOwning(pointer).flatMap { $0.isKmalloc ? $0 : nil }
    }

    /// The cache whose slab holds `pointer` (virt_to_cache), without a lock.
    func cacheOwning(_ pointer: UnsafeMutableRawPointer) -> KmemCache? {
        guard let page = try? pages.compoundHead(pages.virtToPage(pointer)), page.pointee.flags.contains(.slab),
              let owner = page.pointee.slabCache else { return nil }
        return Unmanaged<KmemCache>.fromOpaque(owner).takeUnretainedValue()
    }
}

extension KmemCache {
    /// A debug kmalloc cache remembers the requested size and red-zones the slot's tail.
    @usableFromInline
    func recordRequestedSize(_ object: UnsafeMutableRawPointer, _ size: Int) {
        setOrigSize(object, size)
        if flags.contains(.redZone) { fill(object + size, layout.objectSize - size, SlabPoison.redActive) }
    }

    /// krealloc within the slot: growth is zeroed when asked; in a debug cache the new tail is
    /// red-zoned and the requested size updated.
    func resizeInPlace(_ object: UnsafeMutableRawPointer, from old: Int, to size: Int, zero: Bool) {
        if zero && size > old { fill(object + old, size - old, 0) }
        if keepsOrigSize { recordRequestedSize(object, size) }
    }
}
