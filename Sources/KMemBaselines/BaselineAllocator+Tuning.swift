/// A tuning parameter `BaselineAllocator.environment(for:)` cannot apply.
public enum BaselineTuningError: Error, Equatable, CustomStringConvertible {
    case unknownKey(BaselineAllocator, key: String, allowed: [String])
    case invalidValue(BaselineAllocator, key: String, value: String, expected: String)

    public var description: String {
        switch self {
        case let .unknownKey(which, key, allowed) where allowed.isEmpty:
            "unknown \(which) tuning parameter '\(key)': \(which) takes no tuning parameters"
        case let .unknownKey(which, key, allowed):
            "unknown \(which) tuning parameter '\(key)' (allowed: \(allowed.joined(separator: ", ")))"
        case let .invalidValue(which, key, value, expected):
            "invalid value '\(value)' for \(which) tuning parameter '\(key)': expected \(expected)"
        }
    }
}

extension BaselineAllocator {
    /// The tuning parameters `environment(for:)` accepts, in the order it writes them.
    public var tuningKeys: [String] {
        switch self {
        case .glibc: ["tcache_count", "tcache_max", "arena_max"]
        case .jemalloc: ["tcache_max", "narenas", "percpu_arena"]
        case .tcmalloc, .mimalloc: []
        }
    }

    /// The environment variables a child process needs to run this allocator with `params`.
    /// The allocators read their settings at start-up, so tuning means spawning a process.
    /// jemalloc's result always carries GLIBC_TUNABLES with `StaticTLS.tunable`, which the
    /// child needs to load it at all. Merge the result into the child's environment; a
    /// GLIBC_TUNABLES here replaces the inherited one, so pass that through
    /// `StaticTLS.environment(adding:)` or merge it by hand if it matters.
    public func environment(for params: [String: String]) throws(BaselineTuningError) -> [String: String] {
        for key in params.keys.sorted() where !tuningKeys.contains(key) {
            throw .unknownKey(self, key: key, allowed: tuningKeys)
        }
        var settings: [String] = []
        for key in tuningKeys {
            guard let value = params[key] else { continue }
            try validate(key: key, value: value)
            switch self {
            case .glibc: settings.append("glibc.malloc.\(key)=\(value)")
            case .jemalloc: settings.append("\(key):\(value)")
            case .tcmalloc, .mimalloc: break
            }
        }
        switch self {
        case .glibc:
            return settings.isEmpty ? [:] : ["GLIBC_TUNABLES": settings.joined(separator: ":")]
        case .jemalloc:
            var environment = StaticTLS.environment(adding: [:])
            if !settings.isEmpty { environment["MALLOC_CONF"] = settings.joined(separator: ",") }
            return environment
        case .tcmalloc, .mimalloc:
            return [:]
        }
    }

    private func validate(key: String, value: String) throws(BaselineTuningError) {
        if key == "percpu_arena" {
            let modes = ["disabled", "percpu", "phycpu"]
            guard modes.contains(value) else {
                throw .invalidValue(self, key: key, value: value, expected: "one of \(modes.joined(separator: ", "))")
            }
        } else if UInt(value) == nil {
            throw .invalidValue(self, key: key, value: value, expected: "a non-negative integer")
        }
    }
}
