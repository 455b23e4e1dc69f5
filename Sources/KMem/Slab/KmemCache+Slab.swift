/// Slabs: groups of 2^order pages from the buddy allocator carved into objects, whose free
/// objects are chained through hardened free pointers (next ^ secret ^ swab(address of the
/// pointer's slot), as CONFIG_SLAB_FREELIST_HARDENED's freelist_ptr_encode stores them).
extension KmemCache {
    /// The flags a slab's pages may take from the caller: how hard to try, not where.
    static let slabPageGFPMask: GFP = [.directReclaim, .kswapdReclaim, .io, .fs, .high, .nowarn,
                                       .retryMayfail, .nofail, .noretry, .memalloc, .nomemalloc]

    @inlinable func encodedFreePointer(_ next: UnsafeMutableRawPointer?, at object: UnsafeMutableRawPointer) -> UInt {
        UInt(bitPattern: next) ^ secret ^ UInt(bitPattern: object + layout.freePointerOffset).byteSwapped
    }

    @inlinable func setFreePointer(_ object: UnsafeMutableRawPointer, _ next: UnsafeMutableRawPointer?) {
        (object + layout.freePointerOffset).storeBytes(of: encodedFreePointer(next, at: object), as: UInt.self)
    }

    /// The decoded free pointer of an object (meaningful only while it is free).
    @inlinable func freePointer(_ object: UnsafeMutableRawPointer) -> UInt {
        (object + layout.freePointerOffset).load(as: UInt.self) ^ secret
            ^ UInt(bitPattern: object + layout.freePointerOffset).byteSwapped
    }

    /// The slab (head page) holding a direct-map address, or nil outside physical memory.
    @inlinable func slabOf(_ address: UnsafeRawPointer) -> PagePointer? {
        let offset = UInt(bitPattern: address - UnsafeRawPointer(memoryBase))
        guard offset < memorySize else { return nil }
        let page = descriptors + Int(offset >> UInt(PhysicalMemory.pageShift))
        return page.pointee.flags.contains(.tail) ? descriptors + Int(page.pointee.compoundHead) : page
    }

    /// A descriptor's page frame number. Unsigned, as a descriptor never lies below the array:
    /// the division becomes a shift (a pointer distance divides signed, five instructions).
    @inlinable func pfn(_ page: PagePointer) -> Int {
        Int(bitPattern: (UInt(bitPattern: page) &- UInt(bitPattern: descriptors)) / UInt(MemoryLayout<Page>.stride))
    }

    @inlinable func slabAddress(_ slab: PagePointer) -> UnsafeMutableRawPointer {
        memoryBase + pfn(slab) << PhysicalMemory.pageShift
    }

    /// obj_to_index, or nil for an address that is not the start of an object of this slab.
    /// An address before the first object (in the left red zone, or a stray pointer) wraps to
    /// an offset above 2^63, which no index (< 2^32) times the size (< 2^23) reaches: no sign
    /// test is needed.
    @inlinable @inline(__always) func objectIndex(_ object: UnsafeRawPointer, in slab: PagePointer) -> Int? {
        let offset = (UInt(bitPattern: object) &- UInt(bitPattern: slabAddress(slab))) &- UInt(bitPattern: layout.redLeftPad)
        let index = (UInt64(offset) &* reciprocal) >> 32
        guard index &* UInt64(UInt(bitPattern: layout.size)) == offset, index < UInt64(slab.pointee.objects) else { return nil }
        return Int(truncatingIfNeeded: index)
    }

    @inlinable func object(at index: Int, in slab: PagePointer) -> UnsafeMutableRawPointer {
        slabAddress(slab) + layout.redLeftPad + index * layout.size
    }

    /// allocate_slab: pages for a new slab, formatted with every object free. The preferred
    /// order is tried without retrying hard; the smallest order that fits one object is the
    /// fallback, as SLUB's oo_min.
    func allocateSlab(_ gfp: GFP) -> PagePointer? {
        let pageGFP = gfp.intersection(KmemCache.slabPageGFPMask).union(slabGFP).union(.comp)
        let minOrder = PageAllocator.getOrder(layout.size)
        var slab: PagePointer?
        if layout.order > minOrder {
            slab = pages.allocPages(pageGFP.union([.nowarn, .noretry]).subtracting([.nofail, .directReclaim]),
                                    order: layout.order)
        }
        if slab == nil { slab = pages.allocPages(pageGFP, order: minOrder) }
        guard let slab else { return nil }
        formatSlab(slab, order: pages.compoundOrder(slab))
        node.pointee.slabsAllocated.wrappingAdd(1, ordering: .relaxed)
        return slab
    }

    /// Chains every object of a fresh slab onto its freelist and runs the constructor once per
    /// object, as the kernel does when a slab is made.
    func formatSlab(_ slab: PagePointer, order: Int) {
        let count = (PhysicalMemory.pageSize << order) / layout.size
        slab.pointee.flags.insert(.slab)
        slab.pointee.slabCache = Unmanaged.passUnretained(self).toOpaque()
        slab.pointee.objects = UInt32(count)
        slab.pointee.inuse = 0
        slab.pointee.privateWord = SlabList.none.rawValue
        if isDebug { initializeDebugSlab(slab, count: count) }
        for index in 0..<count {
            let current = object(at: index, in: slab)
            setFreePointer(current, index + 1 < count ? object(at: index + 1, in: slab) : nil)
            constructor?(current)
        }
        slab.pointee.freelist = object(at: 0, in: slab)
    }

    /// discard_slab: every object is free; the pages go back to the buddy allocator.
    func discardSlab(_ slab: PagePointer) {
        let order = Int(slab.pointee.order)
        slab.pointee.flags.remove(.slab)
        slab.pointee.slabCache = nil
        slab.pointee.freelist = nil
        slab.pointee.objects = 0
        slab.pointee.inuse = 0
        do { try pages.freePages(slab, order: order) } catch {
            allocator.log.record(.badPage, "BUG: \(name): discarding slab at pfn \(pages.pfn(of: slab)): \(error)")
        }
        node.pointee.slabsFreed.wrappingAdd(1, ordering: .relaxed)
    }
}
