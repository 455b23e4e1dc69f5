import Benchmark
import KMem

// The model kernel's fast paths: one allocation and its free per inner iteration, on model
// CPU 0, so every iteration hits the same per-CPU structures (the path the kernel optimises
// for). Each benchmark builds its own kernel in `setup`, outside the measured region.
//
// Names have no spaces: package-benchmark 1.38.1 writes a threshold file with spaces made
// underscores but looks it up with the spaces, so a spaced name never finds its threshold.
//
// Thresholds (checked in under Thresholds/): wall clock and throughput at p50 and p90 may
// move 25%, because two shared vCPUs are that noisy (docs/microbenchmarks.md); malloc counts
// may not move at all: a fast path that starts calling malloc is a regression at any speed.
let benchmarks: @Sendable () -> Void = {
    let timing = BenchmarkThresholds(relative: [.p50: 25, .p90: 25])
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput, .mallocCountTotal],
        timeUnits: .nanoseconds,
        scalingFactor: .kilo,
        maxDuration: .seconds(2),
        maxIterations: 10_000,
        thresholds: [.wallClock: timing, .throughput: timing, .mallocCountTotal: .strict])

    Benchmark("kmem_cache_alloc+free_64B") { benchmark, fixture in
        onCPU0(benchmark) {
            let object = fixture.kernel.slab.kmemCacheAlloc(fixture.cache, .kernel)!
            try! fixture.kernel.slab.kmemCacheFree(fixture.cache, object)
        }
    } setup: {
        try CacheFixture()
    }

    for size in [8, 64, 256, 1024, 4096] {
        Benchmark("kmalloc+kfree_\(size)B") { benchmark, kernel in
            onCPU0(benchmark) { try! kernel.slab.kfree(kernel.slab.kmalloc(size, .kernel)!) }
        } setup: {
            try Kernel.forBenchmarks()
        }
    }

    Benchmark("alloc_pages+free_pages_order0") { benchmark, kernel in
        onCPU0(benchmark) { try! kernel.pages.freePages(kernel.pages.allocPages(.kernel, order: 0)!, order: 0) }
    } setup: {
        try Kernel.forBenchmarks()
    }

    // A vmalloc maps and later lazily unmaps its area: microseconds, not nanoseconds, so no
    // inner loop.
    Benchmark("vmalloc+vfree_4KiB", configuration: .init(scalingFactor: .one)) { benchmark, kernel in
        onCPU0(benchmark) { try! kernel.vmalloc.vfree(kernel.vmalloc.vmalloc(4096)!) }
    } setup: {
        try Kernel.forBenchmarks()
    }

    Benchmark("mempool_alloc+free_kmalloc-128") { benchmark, fixture in
        onCPU0(benchmark) { try! fixture.pool.free(fixture.pool.alloc(.kernel)!) }
    } setup: {
        try MempoolFixture()
    }
}

/// Runs `body` once per scaled iteration as model CPU 0. Binding the thread (rather than
/// reading rseq) keeps a migration between the two real CPUs from switching per-CPU lists
/// halfway through a measurement.
@inline(__always)
func onCPU0(_ benchmark: Benchmark, _ body: () -> Void) {
    CPU.withCPU(0) {
        for _ in benchmark.scaledIterations { body() }
    }
}

extension Kernel {
    /// A model kernel of 256 MiB, enough that no fast path here reaches reclaim.
    static func forBenchmarks() throws -> Kernel {
        var configuration = Kernel.Configuration()
        configuration.pages.memorySize = 256 << 20
        return try Kernel(configuration)
    }
}

/// A kernel and one 64-byte cache (the default per-CPU design, sheaves).
struct CacheFixture {
    let kernel: Kernel
    let cache: KmemCache

    init() throws {
        kernel = try .forBenchmarks()
        cache = try kernel.slab.kmemCacheCreate("bench-64", size: 64)
    }
}

/// A kernel and a kmalloc-128 mempool with a reserve of 16 (the reserve is untouched while
/// kmalloc succeeds, as in the kernel: this measures mempool's pass-through cost).
struct MempoolFixture {
    let kernel: Kernel
    let pool: Mempool<KmallocPoolSource>

    init() throws {
        kernel = try .forBenchmarks()
        pool = try Mempool<KmallocPoolSource>.createKmallocPool(minNr: 16, size: 128, slab: kernel.slab)!
    }
}
