import ArgumentParser
import Foundation
import KMemHarness

/// `kmembench merge`: joins the CSVs of `run --shard I/N` into the whole run's CSV, with its
/// summary recomputed from the joined rows.
struct Merge: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Join the CSVs of a sharded run (run --shard I/N) into one, and recompute its summary.")

    @Argument(help: "The shards' results CSVs.")
    var files: [String]
    @Option(help: "The merged results CSV; the summary goes beside it as NAME.summary.csv.")
    var out: String

    func run() throws {
        // Errors print as themselves (file, line, column), without usage, and nothing is written.
        let output = try ResultsOutput(path: out)
        let records = try ShardMerge.merge(try files.map { file in
            ShardMerge.Part(file: file, records: try ResultsReader.read(URL(fileURLWithPath: file)))
        })
        guard let reference = Summary.reference(of: records) else { throw SpecError("the shards hold no rows") }
        let summary = Summary.make(records, reference: reference)
        try output.write(records: records, summary: summary)
        print(ResultsTable.render(summary))
        print("merged \(files.count) shards, \(records.count) rows: wrote \(output.results.path) and \(output.summary.path)")
    }
}
