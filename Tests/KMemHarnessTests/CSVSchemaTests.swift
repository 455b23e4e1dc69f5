import Foundation
@testable import KMemHarness
import Testing

@Suite("CSV schema") struct CSVSchemaTests {
    /// A measured cell with figures that exercise the number formatting.
    static let result = try! JSONDecoder().decode(CellResult.self, from: Data("""
        {"counters": {"allocations": 600, "frees": 400, "failures": 0, "atomicFailures": 0, "remoteFrees": 100, "drops": 0, "touchedBytes": 8},
         "seconds": 0.00004, "latency": {"samples": 3, "p50": 70, "p90": 83, "p99": 94, "p999": 205, "max": 12399},
         "samplePeriod": 1024, "calibration": {"costNs": 70.56094, "floorNs": 29}, "peakRSSKB": 28204,
         "resourceIntervalMs": 50, "rssSeriesKB": [27756, 28004], "ownFootprintBytes": 90112, "residentPeakBytes": 180224, "livePeakBytes": 4096,
         "missedTicks": 0, "engine": {"allocationFailures": 0, "reserveUse": 0, "reclaimEvents": 0, "sleepViolations": 0,
         "extra": {"pcp_pages": 33, "allocstall": 0}}, "workload": {"usec_per_case": 1.5, "case_runs": 2}}
        """.utf8))

    static func record(_ outcome: CellOutcome) throws -> ResultRecord {
        let plan = try RunPlan(engines: ["kmem"], workloads: ["pair"], threads: [1], repetitions: 1,
                               options: CellOptions(duration: 0.2, samplePeriod: 1024))
        let metadata = RunMetadata(runID: "1-abc", timestamp: "2026-01-01T00:00:00Z", gitRevision: "abc", host: "h", cpus: 2)
        return ResultRecord(CellInputs(metadata: metadata, plan: plan, cell: plan.cells[0], options: plan.options), outcome)
    }

    @Test("a written row has exactly the schema's columns, under a header in schema order")
    func rowsHaveTheSchemasColumns() throws {
        let records = try [Self.record(.ok(Self.result)), Self.record(.failed("child killed")), Self.record(.skipped("no objects"))]
        let rows = try CSVFile.parse(CSVFile.render(records))
        #expect(rows[0].fields == CSVSchema.columns.map(\.name))
        #expect(rows.dropFirst().allSatisfy { $0.fields.count == CSVSchema.columns.count })
        #expect(try ResultsReader.parse(CSVFile.render(records)) == records)
        for column in CSVSchema.columns {
            guard case .result = column.source else { continue }
            #expect(records[1][column].isEmpty && records[2][column].isEmpty, "\(column.name)")
        }
        #expect(records.map { $0[.status] } == ["ok", "failed", "skipped"])
        #expect(records.map { $0[.error] } == ["", "child killed", "no objects"])
    }

    @Test("an ok row's figures are formatted as the CSV always wrote them")
    func formatting() throws {
        let record = try Self.record(.ok(Self.result))
        let expected: [(CSVColumn, String)] = [
            (.ops, "1000"), (.seconds, "0"), (.nsPerOp, "40"), (.opsPerSec, "25000000"), (.sampleCostNs, "70.5609"),
            (.sampleOverheadNsPerOp, "0.0689"), (.timerFloorNs, "29"), (.rssKBSeries, "27756;28004"), (.blowup, "44"),
            (.crossCPUFreeShare, "0.25"), (.engineExtra, "allocstall=0;pcp_pages=33"),
            (.workloadExtra, "case_runs=2;usec_per_case=1.5"), (.durationS, "0.2"), (.warmupS, "0.1"), (.bytesTouched, "8"), (.threads, "1"), (.cellIndex, "0"),
        ]
        for (column, value) in expected { #expect(record[column] == value, "\(column.name)") }
    }

    /// docs/csv-schema.md, beside Sources/ (three levels above this file).
    static var documentation: String {
        get throws {
            let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent()
            return try String(contentsOf: root.appendingPathComponent("docs/csv-schema.md"), encoding: .utf8)
        }
    }

    @Test("docs/csv-schema.md documents every column of both files, in schema order")
    func documented() throws {
        let sections = try Self.documentation.components(separatedBy: "\n## ")
        let results = try #require(sections.first { $0.hasPrefix("Results") })
        let documented = results.split(separator: "\n").filter { $0.hasPrefix("| ") && !$0.hasPrefix("| column ") }
            .flatMap { $0.split(separator: "|")[0].split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
        #expect(documented == CSVSchema.columns.map(\.name))
        let summary = try #require(sections.first { $0.hasPrefix("Summary") })
        let list = try #require(summary.split(separator: "`").first { $0.hasPrefix("schema_version,") })
        #expect(list.split(separator: ",").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
                == CSVSchema.summaryColumns.map(\.name))
    }

    @Test("column names are declared once in each file")
    func uniqueNames() {
        #expect(Set(CSVSchema.columns.map(\.name)).count == CSVSchema.columns.count)
        #expect(Set(CSVSchema.summaryColumns.map(\.name)).count == CSVSchema.summaryColumns.count)
    }

    @Test("a file written before the optional columns reads back with them empty")
    func optionalColumnsMayBeMissing() throws {
        let optional = CSVSchema.columns.filter { !$0.required }
        #expect(!optional.isEmpty)
        let kept = CSVSchema.columns.indices.filter { CSVSchema.columns[$0].required }
        let rows = try CSVFile.parse(CSVFile.render(SyntheticResults.cell(engine: "kmem", nsPerOp: [10, 11])))
        let text = rows.map { row in kept.map { CSVFile.quote(row.fields[$0]) }.joined(separator: ",") }.joined(separator: "\n") + "\n"
        let back = try ResultsReader.parse(text)
        #expect(back.count == 2)
        for column in optional { #expect(back.allSatisfy { $0[column].isEmpty }, "\(column.name)") }
        #expect(back[1].number(.nsPerOp) == 11)
    }

    @Test("a column name a user gives is looked up once, and a mistyped one is refused naming it")
    func userColumnNames() throws {
        #expect(try CSVColumn.named("p99_ns") == .p99Ns)
        #expect { try CSVColumn.named("ns_per_opp") } throws: { error in
            let text = "\(error)"
            return text.contains("unknown column 'ns_per_opp'") && text.contains("known: schema_version, run_id")
                && text.contains("ns_per_op,")
        }
        #expect { try Comparison(baseline: [], candidate: [], metric: .opsPerSec) } throws: {
            "\($0)".contains("cannot compare on 'ops_per_sec'")
        }
    }
}
