import ArgumentParser
import Foundation
import KMemHarness

/// The hidden subcommand a run's parent starts once per cell: runs the cell in this process
/// and prints the result as one JSON line.
struct Cell: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run one cell and print its result (used by `run`).", shouldDisplay: false)

    @Option(help: "The cell, as JSON.")
    var request: String

    func run() throws {
        let request = try JSONDecoder().decode(CellRequest.self, from: Data(self.request.utf8))
        let result = try CellRunner.run(request)
        let json = String(decoding: try JSONEncoder().encode(result), as: UTF8.self)
        print(ChildLauncher.resultPrefix + json)
    }
}
