import KMem

/// Requests straight into the model kernel; the calling thread's model CPU (bound by the
/// harness) picks the per-CPU lists and magazines. The kernel is held unretained and called
/// through `_withUnsafeGuaranteedRef`: an `unowned(unsafe)` reference still costs a retain and
/// release per call, while its `let` parts (slab, pages ...) cost none. One word, so the
/// workload's loop passes one register. Failures are counted by the harness, so requests carry
/// __GFP_NOWARN. A bad free is a harness bug and traps. Each request is one call that is never
/// inlined into the workload's loop, as every baseline's is one call into its library.
public struct KMemWorker: EngineWorker {
    @usableFromInline let kernel: Unmanaged<Kernel>

    // The bodies are local functions forced inline: as closures the optimizer left them out of
    // line once the fast paths inlined into them, a second call per request.

    @inline(never)
    public func allocObject(size: Int, gfp: GFP) -> UnsafeMutableRawPointer? {
        @inline(__always) func body(_ kernel: Kernel) -> UnsafeMutableRawPointer? { kernel.slab.kmalloc(size, gfp.union(.nowarn)) }
        return kernel._withUnsafeGuaranteedRef(body)
    }

    @inline(never)
    public func freeObject(_ object: UnsafeMutableRawPointer, size: Int) {
        @inline(__always) func body(_ kernel: Kernel) {
            do throws(KMemError) { try kernel.slab.kfree(object) } catch { Self.misuse(error) }
        }
        kernel._withUnsafeGuaranteedRef(body)
    }

    @inline(never)
    public func allocPages(order: Int, gfp: GFP) -> UnsafeMutableRawPointer? {
        kernel._withUnsafeGuaranteedRef { $0.pages.getFreePages(gfp.union(.nowarn), order: order) }
    }

    @inline(never)
    public func freePages(_ pages: UnsafeMutableRawPointer, order: Int) {
        check(kernel._withUnsafeGuaranteedRef { kernel in
            Self.catching { () throws(KMemError) in try kernel.pages.freePages(address: pages, order: order) }
        })
    }

    @inline(never)
    public func cacheAlloc(_ cache: EngineHandle, gfp: GFP) -> UnsafeMutableRawPointer? {
        @inline(__always) func body(_ kernel: Kernel) -> UnsafeMutableRawPointer? {
            @inline(__always) func withCache(_ cache: KmemCache) -> UnsafeMutableRawPointer? {
                kernel.slab.kmemCacheAlloc(cache, gfp.union(.nowarn))
            }
            return Self.cache(cache)._withUnsafeGuaranteedRef(withCache)
        }
        return kernel._withUnsafeGuaranteedRef(body)
    }

    @inline(never)
    public func cacheFree(_ cache: EngineHandle, _ object: UnsafeMutableRawPointer) {
        @inline(__always) func body(_ kernel: Kernel) {
            @inline(__always) func withCache(_ cache: KmemCache) {
                do throws(KMemError) { try kernel.slab.kmemCacheFree(cache, object) } catch { Self.misuse(error) }
            }
            Self.cache(cache)._withUnsafeGuaranteedRef(withCache)
        }
        kernel._withUnsafeGuaranteedRef(body)
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
        kernel._withUnsafeGuaranteedRef { kernel in
            trapping { () throws(KMemError) in
                try kernel.vmalloc.vmallocNode(size, align: align, gfp: gfp.union(.nowarn), node: Vmalloc.numaNoNode)
            }
        }
    }

    public func freeVirtual(_ area: UnsafeMutableRawPointer, size: Int, align: Int) {
        kernel._withUnsafeGuaranteedRef { kernel in trapping { () throws(KMemError) in try kernel.vmalloc.vfree(area) } }
    }

    public func reallocVirtual(_ area: UnsafeMutableRawPointer, oldSize: Int, newSize: Int, gfp: GFP) -> UnsafeMutableRawPointer? {
        kernel._withUnsafeGuaranteedRef { kernel in
            trapping { () throws(KMemError) in try kernel.vmalloc.vrealloc(area, newSize, gfp: gfp.union(.nowarn)) }
        }
    }

    /// The per-CPU pointer's bit pattern stands in for the kernel's `void __percpu *`.
    public func allocPercpu(size: Int, align: Int, gfp: GFP) -> UnsafeMutableRawPointer? {
        kernel._withUnsafeGuaranteedRef { kernel in
            trapping { () throws(KMemError) in try kernel.percpu.allocPercpu(size: size, align: align, gfp: gfp) }
        }.flatMap { UnsafeMutableRawPointer(bitPattern: $0.bitPattern) }
    }

    public func freePercpu(_ area: UnsafeMutableRawPointer, size: Int, align: Int) {
        kernel._withUnsafeGuaranteedRef { kernel in
            trapping { () throws(KMemError) in try kernel.percpu.freePercpu(PercpuPointer(bitPattern: UInt(bitPattern: area))!) }
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
