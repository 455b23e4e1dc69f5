// swift-tools-version:6.1
import PackageDescription

// Release builds of this root package skip exclusivity checks and optimise across modules:
// the allocator hot paths are pointer-addressed structs, and both flags measurably shorten them
// (../shared/reference/swift-craft.md). The stack protector is off in release too: the fast
// paths pass locals to C by address, which put a canary check in every kmem_cache_alloc
// (measured with callgrind); the kernel's own fast paths have no such locals. Packages that depend on us never see unsafe flags
// because no product is consumed with them by path except Benchmarks/, which is ours.
let hotPathSettings: [SwiftSetting] = [
    .unsafeFlags(["-enforce-exclusivity=unchecked", "-cross-module-optimization", "-Xfrontend", "-disable-stack-protector"],
                 .when(configuration: .release)),
]

let package = Package(
    name: "kmembench",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "KMem", targets: ["KMem"]),
        .library(name: "KMemBaselines", targets: ["KMemBaselines"]),
        .library(name: "KMemHarness", targets: ["KMemHarness"]),
        .executable(name: "kmembench", targets: ["kmembench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
        // Tests only: property-based tests of the model kernel's API (seeded, shrinking).
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
    ],
    targets: [
        // One C shim per concern: the model kernel's (rseq, memfd, futex, the task word) and
        // the baseline allocators' call trampolines.
        // -mcx16: SLUB's 16-byte compare-exchanges inline as cmpxchg16b.
        .target(name: "CKMemShims", cSettings: [.unsafeFlags(["-mcx16"])]),
        .target(name: "CKMemBaselineShims"),
        .target(name: "KMem", dependencies: ["CKMemShims"], swiftSettings: hotPathSettings),
        .target(name: "KMemBaselines", dependencies: ["CKMemBaselineShims"], swiftSettings: hotPathSettings),
        .target(
            name: "KMemHarness",
            dependencies: [
                "CKMemShims", "KMem", "KMemBaselines",
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ],
            swiftSettings: hotPathSettings),
        .executableTarget(
            name: "kmembench",
            dependencies: [
                "KMem", "KMemBaselines", "KMemHarness",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: hotPathSettings),
        // Data/: live-kernel snapshots the tests read by path.
        .testTarget(name: "KMemTests", dependencies: ["KMem", .product(name: "PropertyBased", package: "swift-property-based")],
                    exclude: ["Data"]),
        .testTarget(name: "KMemBaselinesTests", dependencies: ["KMemBaselines"]),
        .testTarget(name: "KMemHarnessTests", dependencies: ["KMemHarness", "KMem", "KMemBaselines"], exclude: ["Data"]),
    ]
)
