// swift-tools-version:6.1
import PackageDescription

// Fast-path microbenchmarks of the model kernel with package-benchmark, kept out of the root
// package so that its build and `swift test` stay fast (package-benchmark and its release
// build take minutes). Run from this folder: see docs/microbenchmarks.md.
//
// The MallocInterposer trait is named explicitly: the default traits also pull a runtime
// interposer package that is not available on our machines. It stays on because the fast
// paths measured here must not call malloc at all, and its counters show whether they do.
// SwiftPM names a path dependency after its folder, not its manifest: the root package is
// "kmembench" in a clone of that name but "main" or "wt-tools" in a worktree.
let root = String(Context.packageDirectory.split(separator: "/").dropLast().last ?? "kmembench")

let package = Package(
    name: "KMemBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(path: "../"),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "KMemFastPaths",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "KMem", package: root),
            ],
            path: "Benchmarks/KMemFastPaths",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]),
    ]
)
