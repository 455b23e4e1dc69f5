@testable import KMemBaselines
import Testing

/// The allocator if this machine and process can load it; nil when it is not installed or,
/// for jemalloc, when the process started without the static TLS tunable (run the tests with
/// GLIBC_TUNABLES=glibc.rtld.optional_static_tls=16384 to cover jemalloc too).
func loadedOrSkipped(_ which: BaselineAllocator) -> LoadedAllocator? {
    do {
        return try BaselineAllocator.load(which)
    } catch {
        switch error {
        case .notInstalled, .staticTLSExhausted: return nil
        case .missingSymbol, .loadFailed:
            Issue.record("\(error)")
            return nil
        }
    }
}
