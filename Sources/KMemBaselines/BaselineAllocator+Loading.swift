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

    // Static lets initialise once, thread-safely, on first use.
    private static let glibcLoad = Result { () throws(BaselineLoadError) in try loadUncached(.glibc) }
    private static let jemallocLoad = Result { () throws(BaselineLoadError) in try loadUncached(.jemalloc) }
    private static let tcmallocLoad = Result { () throws(BaselineLoadError) in try loadUncached(.tcmalloc) }
    private static let mimallocLoad = Result { () throws(BaselineLoadError) in try loadUncached(.mimalloc) }

    /// Uncached loading, from another library name in tests (one that does not exist).
    static func loadUncached(_ which: BaselineAllocator, libraryName: String? = nil) throws(BaselineLoadError) -> LoadedAllocator {
        let libraryName = libraryName ?? which.libraryName
        // glibc is already in the process: RTLD_NOLOAD returns it and never maps a second copy.
        let flags = which == .glibc ? RTLD_NOW | RTLD_NOLOAD : RTLD_NOW | RTLD_LOCAL
        guard let handle = dlopen(libraryName, flags) else {
            throw classifyLoadFailure(which, libraryName: libraryName, message: dlerror().map { String(cString: $0) })
        }
        let library = Library(which: which, name: libraryName, handle: handle)
        // Each allocator's own exported names, the ones a C program linked against it calls.
        let names: (malloc: String, free: String, memalign: String, realloc: String) = switch which {
        // The __libc_* names reach glibc's allocator even when LD_PRELOAD replaces malloc.
        case .glibc: ("__libc_malloc", "__libc_free", "__libc_memalign", "__libc_realloc")
        case .jemalloc: ("malloc", "free", "memalign", "realloc")
        case .tcmalloc: ("tc_malloc", "tc_free", "tc_memalign", "tc_realloc")
        // mi_memalign is mi_malloc_aligned with the (alignment, size) argument order.
        case .mimalloc: ("mi_malloc", "mi_free", "mi_memalign", "mi_realloc")
        }
        let functions = AllocatorFunctions(
            malloc: try library.function(names.malloc), free: try library.function(names.free),
            alignedAlloc: try library.function(names.memalign), realloc: try library.function(names.realloc))
        let statistics: StatisticsSource = switch which {
        case .glibc: .mallinfo2(try library.function("mallinfo2"))
        case .jemalloc: .mallctl(try library.function("mallctl"))
        case .tcmalloc: .numericProperty(try library.function("MallocExtension_GetNumericProperty"))
        case .mimalloc: .processInfo(try library.function("mi_process_info"))
        }
        return LoadedAllocator(kind: which, functions: functions, statisticsSource: statistics)
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
