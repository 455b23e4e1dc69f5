import Foundation
@testable import KMemHarness
import Testing

@Suite("shards and merge") struct ShardMergeTests {
    static let plan = ["--engines", "floor", "--workloads", "pair,batch", "--threads", "1,2",
                       "--duration", "10ms", "--repetitions", "2"]

    /// A cell as the set comparison sees it.
    static func cells(_ url: URL) throws -> Set<[String]> {
        Set(try ResultsReader.read(url).map { record in
            [CSVColumn.cellIndex, .planID, .engine, .workload, .threads, .repetition].map { record[$0] }
        })
    }

    @Test("merging the shards of a run gives the whole run's set of cells, in its order")
    func mergeEqualsFullRun() throws {
        let directory = try temporaryDirectory()
        let path = { (name: String) in directory.appendingPathComponent(name) }
        #expect(try runKmembench(["run"] + Self.plan + ["--out", path("full.csv").path]).status == 0)
        for shard in 1...3 {
            let (status, errors) = try runKmembench(["run"] + Self.plan + ["--shard", "\(shard)/3", "--out", path("s\(shard).csv").path])
            #expect(status == 0, "shard \(shard)/3: \(errors)")
        }
        // Each shard is a non-empty, disjoint part.
        let parts = try (1...3).map { try Self.cells(path("s\($0).csv")) }
        #expect(parts.allSatisfy { !$0.isEmpty })
        #expect(parts[0].isDisjoint(with: parts[1]) && parts[1].isDisjoint(with: parts[2]))
        #expect(try runKmembench(["merge", path("s3.csv").path, path("s1.csv").path, path("s2.csv").path,
                                  "--out", path("merged.csv").path]).status == 0)
        let full = try Self.cells(path("full.csv"))
        #expect(full.count == 8) // 1 engine x 2 workloads x 2 thread counts x 2 repetitions
        #expect(try Self.cells(path("merged.csv")) == full)
        #expect(try ResultsReader.read(path("merged.csv")).map { Int($0[.cellIndex])! } == Array(0..<8))
        #expect(FileManager.default.fileExists(atPath: path("merged.summary.csv").path))

        // A missing shard, a shard twice, and a part of another plan are refused, writing nothing.
        let refusals: [([String], String)] = [
            ([path("s1.csv").path, path("s2.csv").path], "shards missing: 3/3"),
            ([path("s1.csv").path, path("s1.csv").path, path("s2.csv").path], "both shard 1/3"),
            ([path("s1.csv").path, path("full.csv").path], "shard"),
        ]
        for (files, message) in refusals {
            let outcome = try runKmembench(["merge"] + files + ["--out", path("refused.csv").path])
            #expect(outcome.status != 0)
            #expect(outcome.errors.contains(message), "\(outcome.errors)")
        }
        #expect(!FileManager.default.fileExists(atPath: path("refused.csv").path))
    }

    @Test("parts of different plans or schema versions are not merged")
    func refusesOtherPlans() throws {
        var a = SyntheticResults.cell(engine: "kmem", nsPerOp: [1, 2]), b = a
        for index in a.indices { a[index][.planID] = "aaaa"; a[index][.shard] = "1/2" }
        for index in b.indices { b[index][.planID] = "bbbb"; b[index][.shard] = "2/2" }
        #expect { try ShardMerge.merge([.init(file: "a.csv", records: a), .init(file: "b.csv", records: b)]) }
            throws: { "\($0)".contains("not parts of one run") }
        for index in b.indices { b[index][.planID] = "aaaa"; b[index][.schemaVersion] = "0" }
        #expect { try ShardMerge.merge([.init(file: "a.csv", records: a), .init(file: "b.csv", records: b)]) }
            throws: { "\($0)".contains("schema_version") }
    }

    @Test("a shard beyond the run's (workload, threads) groups is an error", arguments: ["5/4", "0/2", "2", "x/y"])
    func badShard(text: String) throws {
        let outcome = try runKmembench(["run"] + Self.plan + ["--shard", text, "--out", "/tmp/kmembench-never.csv"])
        #expect(outcome.status != 0)
        #expect(outcome.errors.contains("shard"))
    }
}
