import ArgumentParser
import KMemHarness

/// `kmembench list`: the engines (with availability) and the workloads (with parameters).
struct List: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List engines (with availability) and workloads (with their parameters and defaults).")

    func run() {
        print(Listing.text())
    }
}
