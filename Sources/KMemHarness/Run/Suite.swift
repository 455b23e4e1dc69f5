/// The preset runs: which engines, workloads, thread counts, duration and repetitions.
public enum Suite: String, CaseIterable, Sendable {
    /// A few minutes on two cores: the fast paths, the page allocator and one classic.
    case quick
    /// Every shipped workload on every engine.
    case standard
    /// `standard` with longer cells, more repetitions and more threads.
    case full

    public var engines: [String] {
        switch self {
        case .quick: ["kmem", "glibc", "jemalloc"]
        case .standard, .full: ["kmem", "glibc", "jemalloc", "tcmalloc", "mimalloc", "floor"]
        }
    }

    public var workloads: [String] {
        switch self {
        case .quick: ["pair", "pair:kind=pages", "batch", "page-churn", "larson", "netrx:kind=pages"]
        case .standard, .full:
            ["pair:kind=pages", "batch:kind=pages", "cross-free:kind=pages"]
                + WorkloadRegistry.shipped.map(\.info.name)
        }
    }

    public var threads: [Int] {
        switch self {
        case .quick, .standard: [1, 2]
        case .full: [1, 2, 4]
        }
    }

    public var duration: Double {
        switch self {
        case .quick: 0.3
        case .standard: 1
        case .full: 2
        }
    }

    public var repetitions: Int {
        switch self {
        case .quick: 3
        case .standard: 5
        case .full: 10
        }
    }
}
