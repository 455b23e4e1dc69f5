internal import CKMemBaselineShims

// No Synchronization here: it imports Glibc, and Glibc next to CKMemShims (which defines
// _GNU_SOURCE) breaks a clean debug build with a clang module conflict over fd_set.

extension BaselineAllocator {
    /// Loads `which` with dlopen/dlsym (there is no link-time dependency) and returns its
    /// entry points. Repeated calls return the same instance, or the same error: neither
    /// can change within a process (the static TLS surplus only shrinks).
    ///
    /// jemalloc needs the process to have started with `StaticTLS.tunable` in
    /// GLIBC_TUNABLES; without it this throws `.staticTLSExhausted`.
    public static func load(_ which: BaselineAllocator) throws(BaselineLoadError) -> LoadedAllocator {
        switch which {
        case .glibc: try glibcLoad.get()
        case .jemalloc: try jemallocLoad.get()
        case .tcmalloc: try tcmallocLoad.get()
        case .mimalloc: try mimallocLoad.get()
        }
    }

    // Static lets initialise once, thread-safely, on first use. That also makes each
    // allocator's write to the CKMemShims trampoline table happen once, before any caller
    // can reach the trampolines.
    private static let glibcLoad = Result { () throws(BaselineLoadError) in try loadUncached(.glibc) }
    private static let jemallocLoad = Result { () throws(BaselineLoadError) in try loadUncached(.jemalloc) }
    private static let tcmallocLoad = Result { () throws(BaselineLoadError) in try loadUncached(.tcmalloc) }
    private static let mimallocLoad = Result { () throws(BaselineLoadError) in try loadUncached(.mimalloc) }

    /// Uncached loading, from another library name in tests (one that does not exist). A
    /// successful call rewrites the trampoline table, so only `load(_:)` may succeed with it.
    static func loadUncached(_ which: BaselineAllocator, libraryName: String? = nil) throws(BaselineLoadError) -> LoadedAllocator {
        let libraryName = libraryName ?? which.libraryName
        // glibc is already in the process: RTLD_NOLOAD returns it and never maps a second copy.
        let flags = which == .glibc ? RTLD_NOW | RTLD_NOLOAD : RTLD_NOW | RTLD_LOCAL
        guard let handle = dlopen(libraryName, flags) else {
            throw classifyLoadFailure(which, libraryName: libraryName, message: dlerror().map { String(cString: $0) })
        }
        let library = Library(which: which, name: libraryName, handle: handle)
        switch which {
        case .glibc:
            // The __libc_* names reach glibc's allocator even when LD_PRELOAD replaces malloc.
            kmem_baseline_set_libc_free(try library.address("__libc_free"))
            return LoadedAllocator(
                kind: which,
                functions: AllocatorFunctions(
                    malloc: try library.function("__libc_malloc"),
                    free: try library.function("__libc_free"),
                    sizedFree: kmem_baseline_libc_sized_free,
                    alignedAlloc: try library.function("__libc_memalign"),
                    alignedSizedFree: kmem_baseline_libc_aligned_sized_free),
                statisticsSource: .mallinfo2(try library.function("mallinfo2")))
        case .jemalloc:
            kmem_baseline_set_jemalloc(try library.address("mallocx"), try library.address("sdallocx"))
            return LoadedAllocator(
                kind: which,
                // jemalloc 5.3's malloc takes its fast path; mallocx(size, 0) does not
                // (measured here: 8 against 10-14 ns per operation).
                functions: AllocatorFunctions(
                    malloc: try library.function("malloc"),
                    free: try library.function("free"),
                    sizedFree: kmem_baseline_je_sized_free,
                    alignedAlloc: kmem_baseline_je_aligned_alloc,
                    alignedSizedFree: kmem_baseline_je_aligned_sized_free),
                statisticsSource: .mallctl(try library.function("mallctl")))
        case .tcmalloc:
            return LoadedAllocator(
                kind: which,
                // tc_free_sized trusts the size's size class, which is wrong for a block that
                // tc_memalign rounded up; tc_delete_sized_aligned looks the span up instead.
                functions: AllocatorFunctions(
                    malloc: try library.function("tc_malloc"),
                    free: try library.function("tc_free"),
                    sizedFree: try library.function("tc_free_sized"),
                    alignedAlloc: try library.function("tc_memalign"),
                    alignedSizedFree: try library.function("tc_delete_sized_aligned")),
                statisticsSource: .numericProperty(try library.function("MallocExtension_GetNumericProperty")))
        case .mimalloc:
            return LoadedAllocator(
                kind: which,
                // mi_memalign is mi_malloc_aligned with the (alignment, size) argument order.
                functions: AllocatorFunctions(
                    malloc: try library.function("mi_malloc"),
                    free: try library.function("mi_free"),
                    sizedFree: try library.function("mi_free_size"),
                    alignedAlloc: try library.function("mi_memalign"),
                    alignedSizedFree: try library.function("mi_free_size_aligned")),
                statisticsSource: .processInfo(try library.function("mi_process_info")))
        }
    }

    static func classifyLoadFailure(_ which: BaselineAllocator, libraryName: String, message: String?) -> BaselineLoadError {
        guard let message, !message.contains("cannot open shared object file") else {
            return .notInstalled(which, library: libraryName)
        }
        if message.contains("static TLS") {
            return .staticTLSExhausted(which, library: libraryName, tunableSet: StaticTLS.isConfigured)
        }
        return .loadFailed(which, library: libraryName, message: message)
    }
}

/// A dlopen'ed library and the symbol look-ups that name it in their errors.
private struct Library {
    let which: BaselineAllocator
    let name: String
    let handle: UnsafeMutableRawPointer

    func address(_ symbol: String) throws(BaselineLoadError) -> UnsafeMutableRawPointer {
        guard let address = dlsym(handle, symbol) else {
            throw .missingSymbol(which, library: name, symbol: symbol)
        }
        return address
    }

    /// The symbol as a C function pointer of type `F`, the C signature the call site expects.
    func function<F>(_ symbol: String) throws(BaselineLoadError) -> F {
        unsafeBitCast(try address(symbol), to: F.self)
    }
}
