import ArgumentParser
import KMemBaselines
import KMemHarness

/// `kmembench list`: the engines (with availability) and the workloads (with parameters).
struct List: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List engines (with availability) and workloads (with their parameters and defaults).")

    @Flag(help: "Print only the Debian packages of the baseline allocators, one a line (scripts install them from this list).")
    var debianPackages = false

    func run() {
        if debianPackages {
            for baseline in BaselineAllocator.allCases { print(baseline.debianPackage) }
        } else {
            print(Listing.text())
        }
    }
}
