import Synchronization

/// kmem_cache_alloc and kmem_cache_free: GFP semantics and the sleep check on every call, then
/// the cache's route: the per-CPU fast path of its design, inlined into the caller, or `slow`
/// for what has none (no per-CPU layer, a debug cache, the model's hardened check). Everything a
/// fast path does not finish (a miss, a busy CPU, the slab layer, a failure) is out of line, so
/// the caller keeps a small frame.
extension KmemCache {
    /// The ways an operation goes, fixed when the cache is made. Tested as an if-chain, which
    /// LLVM lowers to three compares of the one byte (the exchange route comes third); a
    /// switch became a jump table of the same cost, and `_fastPath` made the other routes cold,
    /// where the optimizer then left SLUB's fast path out of line.
    @usableFromInline
    enum Route: UInt8 {
        /// A magazine design's CPU slot, taken by an atomic exchange (PerCPU/MagazineLayer.swift).
        case exchange
        /// A magazine design's restartable sequences.
        case rseq
        /// SLUB's CPU freelist (PerCPU/Slub.swift).
        case slub
        /// Out of line: the design's full path, with the checks the cache has on.
        case slow
    }

    @inlinable var opaqueSelf: UnsafeMutableRawPointer { Unmanaged.passUnretained(self).toOpaque() }

    @inlinable @inline(__always)
    func allocate(_ gfp: GFP, caller: Caller) -> UnsafeMutableRawPointer? {
        // slab_pre_alloc_hook: might_alloc and should_failslab test a rarely true condition
        // each (static keys' one branch) and do their work out of line. The scope flags
        // (current_gfp_context) only take __GFP_IO and __GFP_FS away, which no fast path reads:
        // what reports or passes the flags on applies them.
        if gfp.allowsBlocking && Current.inAtomic { reportSleepInAtomic(gfp, caller) }
        if failslab.isEnabled && injectsFailure(gfp) { return nil }
        let allocated: UnsafeMutableRawPointer?
        if route == .exchange {
            allocated = allocateFromSlot(gfp, caller: caller)
        } else if route == .rseq {
            allocated = allocateRseq(gfp, caller: caller)
        } else if route == .slub {
            allocated = Slub.allocate(self, gfp, caller: caller)
        } else {
            return allocateSlow(gfp, caller: caller)
        }
        guard let object = allocated else { return allocationFailed(gfp) }
        // slab_post_alloc_hook's __GFP_ZERO; the hardened check's mark is the slow route's.
        if gfp.contains(.zero) { zero(object) }
        return object
    }

    /// Every design, with the hardened check's mark: the route of caches without a fast path.
    @inline(never) @usableFromInline
    func allocateSlow(_ gfp: GFP, caller: Caller) -> UnsafeMutableRawPointer? {
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
        if gfp.contains(.zero) { zero(object) }
    }

    @inline(never) @usableFromInline
    func zero(_ object: UnsafeMutableRawPointer) {
        object.initializeMemory(as: UInt8.self, repeating: 0, count: layout.objectSize)
    }

    /// Frees an object of this cache; anything else (a foreign pointer, another cache's object,
    /// an interior pointer, an object already free) throws and changes nothing.
    @inlinable @inline(__always)
    func free(_ object: UnsafeMutableRawPointer, caller: Caller) throws(KMemError) {
        guard let slab = slabOf(object), slab.pointee.flags.contains(.slab) else {
            throw .notSlabObject(UInt(bitPattern: object))
        }
        guard slab.pointee.slabCache == opaqueSelf else { throw wrongCacheError(object, slab) }
        try free(object, slab: slab, caller: caller)
    }

    /// The free proper, once the slab is known to be one of this cache's.
    @inlinable @inline(__always)
    func free(_ object: UnsafeMutableRawPointer, slab: PagePointer, caller: Caller) throws(KMemError) {
        guard objectIndex(object, in: slab) != nil else { throw interiorPointerError(object, slab) }
        if route == .exchange {
            freeToSlot(object, caller: caller)
        } else if route == .rseq {
            freeRseq(object, caller: caller)
        } else if route == .slub {
            try Slub.free(self, object, slab: slab, caller: caller)
        } else {
            try freeSlow(object, slab: slab, caller: caller)
        }
    }

    /// Every design, with the debug and hardened checks: the route of caches without a fast path.
    @inline(never) @usableFromInline
    func freeSlow(_ object: UnsafeMutableRawPointer, slab: PagePointer, caller: Caller) throws(KMemError) {
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
        pages.sleepCheck.report("gfp: \(MemallocScope.effective(gfp))", file: caller.file, line: caller.line)
    }

    @inline(never) @usableFromInline
    func injectsFailure(_ gfp: GFP) -> Bool {
        failslab.shouldFailslab(cacheName: name, objectSize: layout.objectSize, gfp: MemallocScope.effective(gfp))
    }

    /// set_freepointer's BUG_ON(object == fp) (CONFIG_SLAB_FREELIST_HARDENED): the object being
    /// pushed is already the freelist's head. The kernel oopses; the model reports and refuses.
    @inline(never) @usableFromInline
    func naiveDoubleFree(_ object: UnsafeMutableRawPointer, slab: PagePointer) -> KMemError {
        allocator.log.record(.slabBug, "kernel BUG at mm/slub.c: set_freepointer: BUG_ON(object == fp): "
            + "naive double free or corruption of \(name) object 0x\(String(UInt(bitPattern: object), radix: 16)) "
            + "(\(Current.name), pid \(Current.pid))")
        return .objectAlreadyFree(address: UInt(bitPattern: object), cache: name)
    }

    @inline(never) @usableFromInline
    func confirmDoubleFree(_ object: UnsafeMutableRawPointer, slab: PagePointer, next: UInt) -> KMemError? {
        if next != 0 {
            guard let neighbour = UnsafeMutableRawPointer(bitPattern: next), slabOf(neighbour) == slab,
                  objectIndex(neighbour, in: slab) != nil else { return nil }
        }
        reportBug("Object already free", object: object, slab: slab,
                  detail: "free of an object that is already free (freed at \(Current.name), pid \(Current.pid))")
        return .objectAlreadyFree(address: UInt(bitPattern: object), cache: name)
    }

    @inline(never) @usableFromInline
    func wrongCacheError(_ object: UnsafeMutableRawPointer, _ slab: PagePointer) -> KMemError {
        let owner = slab.pointee.slabCache.map { Unmanaged<KmemCache>.fromOpaque($0).takeUnretainedValue().name }
        return .wrongCache(address: UInt(bitPattern: object), expected: name, actual: owner ?? "?")
    }

    @inline(never) @usableFromInline
    func interiorPointerError(_ object: UnsafeMutableRawPointer, _ slab: PagePointer) -> KMemError {
        let offset = object - slabAddress(slab) - layout.redLeftPad
        return .interiorPointer(address: UInt(bitPattern: object), cache: name,
                                offset: ((offset % layout.size) + layout.size) % layout.size)
    }

    /// slab_out_of_memory: counted always, reported unless __GFP_NOWARN.
    @inline(never) @usableFromInline
    func allocationFailed(_ gfp: GFP) -> UnsafeMutableRawPointer? {
        let gfp = MemallocScope.effective(gfp)
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
