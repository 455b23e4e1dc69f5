import Foundation
@testable import KMemHarness
import KMemBaselines
import Testing

@Suite("command line") struct CLITests {
    struct Outcome { var status: Int32; var errors: String }

    func kmembench(_ arguments: [String]) throws -> Outcome {
        let (status, errors) = try runKmembench(arguments)
        return Outcome(status: status, errors: errors)
    }

    static let badInputs: [(arguments: [String], message: String)] = [
        (["--engines", "nosuch"], "unknown engine 'nosuch'"),
        (["--workloads", "nosuch"], "unknown workload 'nosuch'"),
        (["--engines", "kmem:colour=blue"], "unknown parameter 'colour'"),
        (["--engines", "kmem:magazine=huge"], "invalid value 'huge' for engine kmem parameter 'magazine'"),
        (["--workloads", "pair:size=huge"], "invalid value 'huge'"),
        (["--threads", "0"], "thread count must be between 1 and 1024, got 0"),
        (["--duration=-1s"], "duration must be positive"),
        (["--duration", "soon"], "malformed duration 'soon'"),
        (["--suite", "huge"], "unknown suite 'huge'"),
        (["--engines", "kmem,glibc", "--workloads", "pair:size=8M"],
         "asks for 8388608-byte objects, and kmem serves at most 4194304 bytes, so the engines would not do the same work"),
        (["--warmup", "later"], "malformed duration 'later'"),
        // Found by trying: a duration this long made the child's deadline overflow and crash the run.
        (["--duration", "1e300s"], "duration must be at most 86400 s (a day)"),
        (["--duration", "1e400s"], "malformed duration '1e400s'"),
        (["--engines", "kmem:"], "malformed engine parameter '' in 'kmem:': expected key=value"),
        (["--engines", "kmem:magazine"], "malformed engine parameter 'magazine' in 'kmem:magazine'"),
        (["--engines", "kmem:magazine=8,magazine=16"], "engine parameter 'magazine' given twice"),
        (["--engines", ":magazine=8"], "empty engine name in ':magazine=8'"),
        (["--engines", ""], "no engines given"),
        (["--workloads", "pair:size=0"], "invalid value '0' for workload pair parameter 'size'"),
        (["--threads", "1,x"], "malformed thread count 'x'"),
        (["--threads", "2000"], "thread count must be between 1 and 1024, got 2000"),
        (["--repetitions", "0"], "repetitions must be at least 1, got 0"),
        (["--seed", "-1"], "--seed"),
        (["--reference", "glibc"], "reference engine 'glibc' is not one of the engines run (floor)"),
        (["--shard", "3/2"], "shard '3/2': need 1 <= I <= N"),
        (["--soak-pass", "1s"], "soak pass 1s is longer than the cell's duration (0.1 s)"),
        (["--soak-pass", "1us"], "soak pass 1us makes more than 10000 passes of the cell's duration; give a longer pass"),
        (["--soak-pass", "often"], "malformed duration 'often'"),
        (["--soak-pass", "0"], "duration must be positive, got '0'"),
    ]

    @Test("bad input exits non-zero with its message and writes no file", arguments: badInputs.indices)
    func badInput(index: Int) throws {
        let (arguments, message) = Self.badInputs[index]
        let directory = try temporaryDirectory()
        let out = directory.appendingPathComponent("r.csv").path
        let outcome = try kmembench(["run", "--engines", "floor", "--duration", "0.1s", "--repetitions", "1"] + arguments + ["--out", out])
        #expect(outcome.status != 0)
        #expect(outcome.errors.contains(message), "\(outcome.errors)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty)
    }

    @Test("specs without parameters may be separated by ';' as well as ','")
    func semicolons() throws {
        let directory = try temporaryDirectory()
        let out = directory.appendingPathComponent("r.csv")
        let outcome = try kmembench(["run", "--engines", "floor", "--workloads", "pair;batch", "--threads", "1",
                                     "--duration", "0.05s", "--repetitions", "1", "--out", out.path])
        #expect(outcome.status == 0, "\(outcome.errors)")
        #expect(Set(try ResultsReader.read(out).map { $0[.workload] }) == ["pair", "batch"])
    }

    @Test("--engine and --workload may be repeated and add to the lists; a list splits specs by shape")
    func repeatedSpecs() throws {
        let out = try temporaryDirectory().appendingPathComponent("r.csv")
        let outcome = try kmembench(["run", "--engines", "floor", "--engine", "kmem:percpu=bonwick,magazine=8",
                                     "--workloads", "pair,batch:count=10", "--workload", "pair:kind=pages",
                                     "--threads", "1", "--duration", "0.05s", "--repetitions", "1", "--out", out.path])
        #expect(outcome.status == 0, "\(outcome.errors)")
        let rows = try ResultsReader.read(out)
        #expect(Set(rows.map(\.engineSpec)) == ["floor", "kmem:percpu=bonwick,magazine=8"])
        #expect(Set(rows.map(\.workloadSpec)) == ["pair", "batch:count=10", "pair:kind=pages"])
    }

    @Test("an unwritable output path is refused before anything runs")
    func unwritableOutput() throws {
        let outcome = try kmembench(["run", "--engines", "floor", "--out", "/nonexistent-dir/r.csv"])
        #expect(outcome.status != 0)
        #expect(outcome.errors.contains("does not exist"))
    }

    @Test("a missing library's message names the Debian package")
    func missingLibrary() {
        let info = EngineInfo(name: "jemalloc", summary: "", parameters: [], kind: .baseline(.jemalloc), requestKinds: .all)
        #expect(info.baseline.map { KMemBaselines.BaselineLoadError.notInstalled($0, library: "x").description }?
            .contains("libjemalloc2") == true)
    }
}
