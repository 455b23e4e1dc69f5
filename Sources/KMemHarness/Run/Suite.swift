import KMem
import KMemBaselines

/// The preset runs: which engines, workloads, thread counts, duration and repetitions.
public enum Suite: String, CaseIterable, Sendable {
    /// A few minutes on two cores: the fast paths, pages, slab objects, reclaim, one classic.
    case quick
    /// The slab benchmarks: 64-byte pairs, 1000-batches and cross-CPU frees for each
    /// per-CPU design (with the exchange and the rseq fast path) against the baselines and the
    /// floor, ratios against jemalloc.
    case slab
    /// The kernels side by side: 6.18 (SLUB's per-CPU slabs), 7.0 (sheaves for all), Bonwick
    /// and no per-CPU layer, on the fast paths, bursts, remote frees and kernel-shaped mixes,
    /// ratios against the 6.18 profile.
    case designs
    /// lib/test_vmalloc.c's cases on kmem, glibc malloc and a naive mmap per area.
    case vmalloc
    /// mempool: warm-pool pairs next to kmem_cache pairs, and block requests while every
    /// allocation under the pool fails.
    case mempool
    /// Every shipped workload on every engine.
    case standard
    /// `standard` with longer cells, more repetitions and more threads.
    case full
    /// Long cells in passes (`soakPasses` of them), the conservation audit and a footprint
    /// reading between passes: the kmem designs and the baselines on the workloads whose
    /// structures could grow without bound (partial lists, depots and barns, the lazy purge,
    /// the shrinker's caches), each footprint's slope with its interval.
    case soak

    static let baselines = BaselineAllocator.allCases.map(\.rawValue)
    static let designSpecs = PerCPUDesign.allCases.map { "kmem:percpu=\($0.rawValue)" }
    /// The magazine designs again, with an atomic exchange per operation instead of their
    /// default rseq fast path.
    static let exchangeDesigns = PerCPUDesign.allCases.filter(\.hasMagazines)
        .map { "kmem:percpu=\($0.rawValue),fastpath=exchange" }
    static let vmallocCases = VmallocCases.Case.allCases.map { "vmalloc:case=\($0.rawValue)" }
    /// Passes a soak cell is cut into unless --soak-pass says otherwise, and the most allowed.
    public static let soakPasses = 20
    public static let maxSoakPasses = 10_000

    public var engines: [String] {
        switch self {
        case .quick: ["kmem", "glibc", "jemalloc"]
        case .slab: Self.designSpecs + Self.exchangeDesigns + Self.baselines + ["floor"]
        case .designs: KernelProfile.allCases.map { "kmem:kernel=\($0.rawValue)" }
            + ["kmem:percpu=bonwick", "kmem:percpu=none", "jemalloc"]
        case .vmalloc: ["kmem", "glibc", "mmap"]
        case .mempool: ["kmem", "kmem:failslab=100,fail_ignore_wait=false", "glibc", "jemalloc"]
        case .standard, .full: ["kmem"] + Self.baselines + ["floor", "mmap"]
        case .soak: ["kmem", "kmem:kernel=6.18", "kmem:percpu=bonwick"] + Self.baselines
        }
    }

    public var workloads: [String] {
        switch self {
        case .quick:
            ["pair", "pair:kind=pages", "batch", "page-churn", "larson", "netrx:kind=pages", "netrx",
             "kmalloc-mix", "dcache", "bio-mempool", "vmalloc"]
        case .slab: ["pair", "batch:count=1000", "cross-free"]
        case .designs: ["pair", "batch", "cross-free", "kmalloc-mix", "netrx", "larson"]
        case .vmalloc: Self.vmallocCases
        case .mempool: ["pair:kind=pools", "pair:kind=caches", "bio-mempool"]
        case .standard, .full:
            ["pair:kind=pages", "pair:kind=caches", "pair:kind=pools", "batch:kind=pages", "cross-free:kind=pages",
             "netrx:kind=pages"]
                + WorkloadRegistry.all.map(\.info.name).filter { $0 != "vmalloc" } + Self.vmallocCases
        case .soak: ["kmalloc-mix", "larson", "dcache", "page-churn", "vmalloc:case=random_size_alloc"]
        }
    }

    /// The engine ratios are taken against; nil: the first engine.
    public var reference: String? {
        switch self {
        case .slab: "jemalloc"
        case .designs: "kmem:kernel=6.18"
        case .quick, .vmalloc, .mempool, .standard, .full, .soak: nil
        }
    }

    public var threads: [Int] {
        switch self {
        case .quick, .slab, .designs, .vmalloc, .mempool, .standard: [1, 2]
        case .soak: [2]
        case .full: [1, 2, 4]
        }
    }

    public var duration: Double {
        switch self {
        case .quick: 0.3
        case .standard: 0.5
        case .slab, .designs, .vmalloc, .mempool: 1
        case .full: 2
        case .soak: 60
        }
    }

    public var repetitions: Int {
        switch self {
        case .soak: 1
        case .quick, .vmalloc: 3
        case .slab, .designs, .mempool, .standard: 5
        case .full: 10
        }
    }
}
