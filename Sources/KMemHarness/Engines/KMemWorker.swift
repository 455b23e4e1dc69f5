import KMem

/// Requests straight into the model kernel; the calling thread's model CPU (bound by the
/// harness) picks the per-CPU lists and magazines. Every handle is unretained and called
/// through `_withUnsafeGuaranteedRef`: an `unowned(unsafe)` reference still costs a retain
/// and release per call. Failures are counted by the harness, so requests carry __GFP_NOWARN.
/// A bad free is a harness bug and traps. Each request is one call that is never inlined into
/// the workload's loop, as every baseline's is one call into its library.
public struct KMemWorker: EngineWorker {
    @usableFromInline let pages: Unmanaged<PageAllocator>
    @usableFromInline let slab: Unmanaged<SlabAllocator>
    @usableFromInline let vmalloc: Unmanaged<Vmalloc>
    @usableFromInline let percpu: Unmanaged<PercpuAllocator>

    @inline(never)
    public func allocObject(size: Int, gfp: GFP) -> UnsafeMutableRawPointer? {
        slab._withUnsafeGuaranteedRef { $0.kmalloc(size, gfp.union(.nowarn)) }
    }

    @inline(never)
    public func freeObject(_ object: UnsafeMutableRawPointer, size: Int) {
        check(slab._withUnsafeGuaranteedRef { slab in Self.catching { () throws(KMemError) in try slab.kfree(object) } })
    }

    @inline(never)
    public func allocPages(order: Int, gfp: GFP) -> UnsafeMutableRawPointer? {
        pages._withUnsafeGuaranteedRef { $0.getFreePages(gfp.union(.nowarn), order: order) }
    }

    @inline(never)
    public func freePages(_ pages: UnsafeMutableRawPointer, order: Int) {
        check(self.pages._withUnsafeGuaranteedRef { allocator in
            Self.catching { () throws(KMemError) in try allocator.freePages(address: pages, order: order) }
        })
    }

    @inline(never)
    public func cacheAlloc(_ cache: EngineHandle, gfp: GFP) -> UnsafeMutableRawPointer? {
        slab._withUnsafeGuaranteedRef { slab in
            Self.cache(cache)._withUnsafeGuaranteedRef { slab.kmemCacheAlloc($0, gfp.union(.nowarn)) }
        }
    }

    @inline(never)
    public func cacheFree(_ cache: EngineHandle, _ object: UnsafeMutableRawPointer) {
        check(slab._withUnsafeGuaranteedRef { slab in
            Self.cache(cache)._withUnsafeGuaranteedRef { cache in
                Self.catching { () throws(KMemError) in try slab.kmemCacheFree(cache, object) }
            }
        })
    }

    @inline(never)
    public func poolAlloc(_ pool: EngineHandle, gfp: GFP) -> UnsafeMutableRawPointer? {
        Self.pool(pool)._withUnsafeGuaranteedRef { $0.alloc(gfp) }
    }

    @inline(never)
    public func poolFree(_ pool: EngineHandle, _ element: UnsafeMutableRawPointer) {
        check(Self.pool(pool)._withUnsafeGuaranteedRef { pool in
            Self.catching { () throws(KMemError) in try pool.free(element) }
        })
    }

    public func allocVirtual(size: Int, align: Int, gfp: GFP) -> UnsafeMutableRawPointer? {
        vmalloc._withUnsafeGuaranteedRef { vmalloc in
            trapping { () throws(KMemError) in
                try vmalloc.vmallocNode(size, align: align, gfp: gfp.union(.nowarn), node: Vmalloc.numaNoNode)
            }
        }
    }

    public func freeVirtual(_ area: UnsafeMutableRawPointer, size: Int, align: Int) {
        vmalloc._withUnsafeGuaranteedRef { vmalloc in trapping { () throws(KMemError) in try vmalloc.vfree(area) } }
    }

    public func reallocVirtual(_ area: UnsafeMutableRawPointer, oldSize: Int, newSize: Int, gfp: GFP) -> UnsafeMutableRawPointer? {
        vmalloc._withUnsafeGuaranteedRef { vmalloc in
            trapping { () throws(KMemError) in try vmalloc.vrealloc(area, newSize, gfp: gfp.union(.nowarn)) }
        }
    }

    /// The per-CPU pointer's bit pattern stands in for the kernel's `void __percpu *`.
    public func allocPercpu(size: Int, align: Int, gfp: GFP) -> UnsafeMutableRawPointer? {
        percpu._withUnsafeGuaranteedRef { percpu in
            trapping { () throws(KMemError) in try percpu.allocPercpu(size: size, align: align, gfp: gfp) }
        }.flatMap { UnsafeMutableRawPointer(bitPattern: $0.bitPattern) }
    }

    public func freePercpu(_ area: UnsafeMutableRawPointer, size: Int, align: Int) {
        percpu._withUnsafeGuaranteedRef { percpu in
            trapping { () throws(KMemError) in try percpu.freePercpu(PercpuPointer(bitPattern: UInt(bitPattern: area))!) }
        }
    }

    // MARK: handles and errors

    @inlinable @inline(__always)
    static func cache(_ handle: EngineHandle) -> Unmanaged<KmemCache> {
        Unmanaged.fromOpaque(UnsafeRawPointer(bitPattern: handle.token).unsafelyUnwrapped)
    }

    @inlinable @inline(__always)
    static func pool(_ handle: EngineHandle) -> Unmanaged<Mempool<SlabPoolSource>> {
        Unmanaged.fromOpaque(UnsafeRawPointer(bitPattern: handle.token).unsafelyUnwrapped)
    }

    /// The error a call threw, or nil: keeps the throwing call out of the caller's frame.
    @inlinable @inline(__always)
    static func catching(_ call: () throws(KMemError) -> Void) -> KMemError? {
        do throws(KMemError) {
            try call()
            return nil
        } catch { return error }
    }

    @inlinable @inline(__always)
    func check(_ problem: KMemError?) {
        if let problem { Self.misuse(problem) }
    }

    func trapping<T>(_ call: () throws(KMemError) -> T) -> T {
        do throws(KMemError) { return try call() } catch { Self.misuse(error) }
    }

    @usableFromInline
    static func misuse(_ error: KMemError) -> Never {
        fatalError("kmem: the harness called the kernel wrongly: \(error)")
    }
}
