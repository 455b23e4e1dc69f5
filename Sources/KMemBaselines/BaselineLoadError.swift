/// Why a baseline allocator could not be loaded. Descriptions say what to do about it.
public enum BaselineLoadError: Error, Equatable, CustomStringConvertible {
    /// The shared library is not on the loader's search path.
    case notInstalled(BaselineAllocator, library: String)
    /// The library uses initial-exec TLS and the process has too little static TLS surplus.
    /// `tunableSet` says whether the process started with `StaticTLS.tunable`.
    case staticTLSExhausted(BaselineAllocator, library: String, tunableSet: Bool)
    /// The library loaded but lacks an entry point (an unexpected version).
    case missingSymbol(BaselineAllocator, library: String, symbol: String)
    /// Any other dlopen failure, with the loader's message.
    case loadFailed(BaselineAllocator, library: String, message: String)

    public var description: String {
        switch self {
        case let .notInstalled(which, library):
            "\(which) is not installed: \(library) not found (install the Debian package \(which.debianPackage))"
        case let .staticTLSExhausted(which, library, tunableSet: false):
            "\(which) cannot be loaded: \(library) needs static TLS; start the process with "
                + "GLIBC_TUNABLES=\(StaticTLS.tunable) (or more), e.g. by calling StaticTLS.reexecIfNeeded() first"
        case let .staticTLSExhausted(which, library, tunableSet: true):
            "\(which) cannot be loaded: \(library) needs static TLS and libraries loaded earlier used up "
                + "the surplus that GLIBC_TUNABLES=\(StaticTLS.tunable) reserves; load \(which) first or raise the value"
        case let .missingSymbol(which, library, symbol):
            "\(which) is unusable: \(library) has no symbol \(symbol) (expected Debian package \(which.debianPackage))"
        case let .loadFailed(which, library, message):
            "\(which) cannot be loaded from \(library): \(message)"
        }
    }
}
