internal import CKMemBaselineShims

/// The static TLS surplus jemalloc needs. libjemalloc.so.2 uses initial-exec TLS, which a
/// library loaded by dlopen can only get from the surplus glibc reserves at process start,
/// so the tunable has to be in the environment before the process starts.
public enum StaticTLS {
    public static let tunable = "glibc.rtld.optional_static_tls=16384"
    static let tunableName = "glibc.rtld.optional_static_tls"
    static let requiredBytes = 16384
    /// Set on the re-executed process so that a glibc that drops the tunable (setuid
    /// programs) cannot make `reexecIfNeeded` loop.
    static let reexecMarker = "KMEMBENCH_STATIC_TLS_REEXEC"

    /// Whether this process started with at least `requiredBytes` of optional static TLS.
    public static var isConfigured: Bool {
        guard let value = getenv("GLIBC_TUNABLES") else { return false }
        return isConfigured(tunables: String(cString: value))
    }

    static func isConfigured(tunables: String) -> Bool {
        // glibc applies the last setting of a tunable.
        let setting = tunables.split(separator: ":").last { $0.hasPrefix(tunableName + "=") }
        guard let setting, let bytes = parseSize(setting.dropFirst(tunableName.count + 1)) else { return false }
        return bytes >= requiredBytes
    }

    /// `base` with `tunable` merged into GLIBC_TUNABLES: other tunables are kept, a smaller
    /// optional_static_tls setting is replaced, a sufficient one is left alone.
    public static func environment(adding base: [String: String]) -> [String: String] {
        var environment = base
        guard let existing = base["GLIBC_TUNABLES"], !existing.isEmpty else {
            environment["GLIBC_TUNABLES"] = tunable
            return environment
        }
        if isConfigured(tunables: existing) { return environment }
        let others = existing.split(separator: ":").filter { !$0.hasPrefix(tunableName + "=") }
        environment["GLIBC_TUNABLES"] = (others.map(String.init) + [tunable]).joined(separator: ":")
        return environment
    }

    /// Re-executes this program (/proc/self/exe, same arguments) with `tunable` added to
    /// the environment, unless it is already there. Call it first thing in main, before any
    /// thread starts. If execve fails the program carries on, and loading jemalloc reports
    /// the missing tunable.
    public static func reexecIfNeeded() {
        guard !isConfigured, getenv(reexecMarker) == nil else { return }
        var environment = Self.environment(adding: currentEnvironment())
        environment[reexecMarker] = "1"
        let arguments = CommandLine.arguments
        let entries = environment.map { "\($0.key)=\($0.value)" }
        withCStrings(arguments) { argv in
            withCStrings(entries) { envp in
                _ = execve("/proc/self/exe", argv, envp)
            }
        }
    }

    /// Decimal or 0x-prefixed hexadecimal, as glibc parses tunable values.
    private static func parseSize(_ text: Substring) -> Int? {
        if text.hasPrefix("0x") || text.hasPrefix("0X") { return Int(text.dropFirst(2), radix: 16) }
        return Int(text)
    }

    private static func currentEnvironment() -> [String: String] {
        var result: [String: String] = [:]
        guard var entry = kmem_baseline_environ() else { return result }
        while let pointer = entry.pointee {
            let text = String(cString: pointer)
            if let equals = text.firstIndex(of: "=") {
                result[String(text[..<equals])] = String(text[text.index(after: equals)...])
            }
            entry += 1
        }
        return result
    }

    /// Calls `body` with a NULL-terminated array of C strings that lives for the call.
    private static func withCStrings<R>(
        _ strings: [String], _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> R
    ) -> R {
        let pointers = strings.map { strdup($0) } + [nil]
        defer { pointers.forEach { free($0) } }
        return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
    }
}
