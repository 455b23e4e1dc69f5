/// The general-purpose allocators the kernel models are compared against, as Debian 12 ships
/// them. Each is loaded at run time (see `load(_:)`), so the package builds and its tests run
/// on machines where none is installed.
public enum BaselineAllocator: String, CaseIterable, Sendable {
    case glibc, jemalloc, tcmalloc, mimalloc

    /// The Debian package that provides the shared library.
    public var debianPackage: String {
        switch self {
        case .glibc: "libc6"
        case .jemalloc: "libjemalloc2"
        case .tcmalloc: "libtcmalloc-minimal4"
        case .mimalloc: "libmimalloc2.0"
        }
    }

    /// The shared library `load(_:)` opens. tcmalloc is the "minimal" build (no heap
    /// profiler), the one users deploy for speed.
    public var libraryName: String {
        switch self {
        case .glibc: "libc.so.6"
        case .jemalloc: "libjemalloc.so.2"
        case .tcmalloc: "libtcmalloc_minimal.so.4"
        case .mimalloc: "libmimalloc.so.2"
        }
    }

    /// Whether the library is present. Probes by loading it (libraries are never unloaded);
    /// jemalloc counts as installed when only the static TLS tunable is missing.
    public var isInstalled: Bool {
        do {
            _ = try Self.load(self)
            return true
        } catch {
            if case .notInstalled = error { return false }
            return true
        }
    }
}
