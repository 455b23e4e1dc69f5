// swift-tools-version:6.1
import PackageDescription

// libFuzzer targets for the readers of user files, kept out of the root package: they build
// only with `-sanitize=fuzzer` (libFuzzer supplies main). Run with scripts/fuzz.
// SwiftPM names a path dependency after its folder, not its manifest: the root package is
// "kmembench" in a clone of that name but "main" or "wt-tools" in a worktree.
let root = String(Context.packageDirectory.split(separator: "/").dropLast().last ?? "kmembench")

let package = Package(
    name: "KMemFuzz",
    platforms: [.macOS(.v15)],
    dependencies: [.package(path: "../")],
    targets: [
        .executableTarget(
            name: "FuzzReaders",
            dependencies: [.product(name: "KMemHarness", package: root)],
            swiftSettings: [.unsafeFlags(["-parse-as-library"])]),
    ]
)
