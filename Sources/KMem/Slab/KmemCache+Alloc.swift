import Synchronization

/// kmem_cache_alloc and kmem_cache_free: GFP semantics and the sleep check on every call, then
/// the cache's per-CPU design (PerCPU/), chosen once per cache: the switches below are one
/// predictable branch, and each case is the design's fast path, specialised and inlined.
extension KmemCache {
    @inlinable var opaqueSelf: UnsafeMutableRawPointer { Unmanaged.passUnretained(self).toOpaque() }

    @inlinable
    func allocate(_ gfp: GFP, caller: Caller) -> UnsafeMutableRawPointer? {
        let gfp = MemallocScope.effective(gfp)
        // The rarely true conditions are tested here; what follows them is out of line, so the
        // fast path keeps a small frame (static keys' one branch each).
        if gfp.allowsBlocking && Current.inAtomic { reportSleepInAtomic(gfp, caller) }
        if failslab.isEnabled && injectsFailure(gfp) { return nil }
        let allocated: UnsafeMutableRawPointer?
        switch design {
        case .slub: allocated = Slub.allocate(self, gfp, caller: caller)
        case .bonwick: allocated = Bonwick.allocate(self, gfp, caller: caller)
        case .sheaves: allocated = Sheaves.allocate(self, gfp, caller: caller)
        case .none: allocated = NoPerCPU.allocate(self, gfp, caller: caller)
        }
        guard let object = allocated else { return allocationFailed(gfp) }
        postAllocate(object, gfp)
        return object
    }

    /// slab_post_alloc_hook's part the model keeps: __GFP_ZERO, and the hardened check's mark
    /// (a live object must not look free to it), the only write to the object when it is on.
    @inlinable
    func postAllocate(_ object: UnsafeMutableRawPointer, _ gfp: GFP) {
        if checksEveryFree { (object + layout.freePointerOffset).storeBytes(of: 0, as: UInt.self) }
        if gfp.contains(.zero) { object.initializeMemory(as: UInt8.self, repeating: 0, count: layout.objectSize) }
    }

    /// Frees an object of this cache; anything else (a foreign pointer, another cache's object,
    /// an interior pointer, an object already free) throws and changes nothing.
    @inlinable
    func free(_ object: UnsafeMutableRawPointer, caller: Caller) throws(KMemError) {
        guard let slab = slabOf(object), slab.pointee.flags.contains(.slab) else {
            throw .notSlabObject(UInt(bitPattern: object))
        }
        guard slab.pointee.slabCache == opaqueSelf else { throw wrongCacheError(object, slab) }
        try free(object, slab: slab, caller: caller)
    }

    /// The free proper, once the slab is known to be one of this cache's.
    @inlinable
    func free(_ object: UnsafeMutableRawPointer, slab: PagePointer, caller: Caller) throws(KMemError) {
        guard objectIndex(object, in: slab) != nil else { throw interiorPointerError(object, slab) }
        if isDebug {
            var single = object
            if let problem = returnToNode(&single, count: 1, caller: caller) { throw problem }
            return
        }
        if checksEveryFree {
            // A free object's free pointer decodes to 0 (in a magazine, or last on a freelist)
            // or to a neighbour in its slab; a live object's almost never does (the secret is
            // random). Marking it costs the write to the object the kernel's per-CPU caches avoid.
            let next = freePointer(object)
            if next == 0 || next &- UInt(bitPattern: object) &+ UInt(layout.slabBytes) < UInt(2 * layout.slabBytes),
               let problem = confirmDoubleFree(object, slab: slab, next: next) {
                throw problem
            }
            setFreePointer(object, nil)
        }
        switch design {
        case .slub: try Slub.free(self, object, slab: slab, caller: caller)
        case .bonwick: Bonwick.free(self, object, slab: slab, caller: caller)
        case .sheaves: Sheaves.free(self, object, slab: slab, caller: caller)
        case .none: try NoPerCPU.free(self, object, slab: slab, caller: caller)
        }
    }

    @inline(never) @usableFromInline
    func reportSleepInAtomic(_ gfp: GFP, _ caller: Caller) {
        pages.sleepCheck.report("gfp: \(gfp)", file: caller.file, line: caller.line)
    }

    @inline(never) @usableFromInline
    func injectsFailure(_ gfp: GFP) -> Bool {
        failslab.shouldFailslab(cacheName: name, objectSize: layout.objectSize, gfp: gfp)
    }

    /// set_freepointer's BUG_ON(object == fp) (CONFIG_SLAB_FREELIST_HARDENED): the object being
    /// pushed is already the freelist's head. The kernel oopses; the model reports and refuses.
    @usableFromInline
    func naiveDoubleFree(_ object: UnsafeMutableRawPointer, slab: PagePointer) -> KMemError {
        allocator.log.record(.slabBug, "kernel BUG at mm/slub.c: set_freepointer: BUG_ON(object == fp): "
            + "naive double free or corruption of \(name) object 0x\(String(UInt(bitPattern: object), radix: 16)) "
            + "(\(Current.name), pid \(Current.pid))")
        return .objectAlreadyFree(address: UInt(bitPattern: object), cache: name)
    }

    @usableFromInline
    func confirmDoubleFree(_ object: UnsafeMutableRawPointer, slab: PagePointer, next: UInt) -> KMemError? {
        if next != 0 {
            guard let neighbour = UnsafeMutableRawPointer(bitPattern: next), slabOf(neighbour) == slab,
                  objectIndex(neighbour, in: slab) != nil else { return nil }
        }
        reportBug("Object already free", object: object, slab: slab,
                  detail: "free of an object that is already free (freed at \(Current.name), pid \(Current.pid))")
        return .objectAlreadyFree(address: UInt(bitPattern: object), cache: name)
    }

    @usableFromInline
    func wrongCacheError(_ object: UnsafeMutableRawPointer, _ slab: PagePointer) -> KMemError {
        let owner = slab.pointee.slabCache.map { Unmanaged<KmemCache>.fromOpaque($0).takeUnretainedValue().name }
        return .wrongCache(address: UInt(bitPattern: object), expected: name, actual: owner ?? "?")
    }

    @usableFromInline
    func interiorPointerError(_ object: UnsafeMutableRawPointer, _ slab: PagePointer) -> KMemError {
        let offset = object - slabAddress(slab) - layout.redLeftPad
        return .interiorPointer(address: UInt(bitPattern: object), cache: name,
                                offset: ((offset % layout.size) + layout.size) % layout.size)
    }

    /// slab_out_of_memory: counted always, reported unless __GFP_NOWARN.
    @usableFromInline
    func allocationFailed(_ gfp: GFP) -> UnsafeMutableRawPointer? {
        allocFailures.wrappingAdd(1, ordering: .relaxed)
        if !gfp.contains(.nowarn) {
            allocator.log.record(.allocationFailure, """
                SLUB: Unable to allocate memory on node -1, gfp=0x\(String(gfp.rawValue, radix: 16))(\(gfp))
                  cache: \(name), object size: \(layout.objectSize), buffer size: \(layout.size), \
                default order: \(layout.order), min order: \(PageAllocator.getOrder(layout.size))
                """)
        }
        return nil
    }
}
