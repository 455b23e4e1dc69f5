import Foundation
@testable import KMemHarness
import Testing

@Suite("malformed CSV") struct CSVErrorTests {
    static var valid: String {
        CSVFile.render(SyntheticResults.cell(engine: "kmem", nsPerOp: [10, 11]))
    }

    /// Line 3 of the valid file (its second row), changed by `edit`.
    static func editing(_ edit: (inout [String]) -> Void) -> String {
        var lines = valid.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var fields = lines[2].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        edit(&fields)
        lines[2] = fields.joined(separator: ",")
        return lines.joined(separator: "\n")
    }

    /// The valid file without its field `index` on every line.
    static func removing(_ index: Int) -> String {
        valid.split(separator: "\n").map { line in
            var fields = line.split(separator: ",", omittingEmptySubsequences: false)
            fields.remove(at: index)
            return fields.joined(separator: ",")
        }.joined(separator: "\n") + "\n"
    }

    static func column(_ column: CSVColumn) -> Int { CSVSchema.columns.firstIndex(of: column)! }

    static let cases: [(name: String, text: String, line: Int, column: Int?, message: String)] = [
        ("a non-number", editing { $0[column(.nsPerOp)] = "fast" }, 3, column(.nsPerOp) + 1, "expected a number, found 'fast'"),
        ("an unknown version", editing { $0[0] = "9" }, 3, 1, "unknown schema version '9'"),
        ("a missing field", editing { $0.removeLast() }, 3, CSVSchema.columns.count, "fields where the header has"),
        ("a stray quote", editing { $0[column(.host)] = "a\"b" }, 3, column(.host) + 1, "a quote inside an unquoted field"),
        ("an unclosed quote", editing { $0[column(.error)] = "\"never closed" }, 3, column(.error) + 1, "never closed"),
        ("an unknown status", editing { $0[column(.status)] = "maybe" }, 3, column(.status) + 1, "unknown status 'maybe'"),
        ("missing columns", "schema_version,engine\n2,kmem\n", 1, nil, "missing columns: run_id"),
        ("a missing required column", removing(column(.nsPerOp)), 1, nil, "missing columns: ns_per_op"),
        ("an unknown column", valid.replacing("\n", with: ",colour\n", maxReplacements: 1),
         1, CSVSchema.columns.count + 1, "unknown column 'colour'"),
        ("a column twice", "schema_version,engine,engine\n2,kmem,kmem\n", 1, 3, "appears twice"),
        ("an empty file", "", 1, nil, "empty file"),
    ]

    @Test("each problem is reported with the file, line and column", arguments: cases.indices)
    func located(index: Int) throws {
        let (_, text, line, column, message) = Self.cases[index]
        let url = try temporaryDirectory().appendingPathComponent("bad.csv")
        try WholeFile.write(text, to: url)
        #expect { try ResultsReader.read(url) } throws: { error in
            guard let error = error as? CSVError else { return false }
            return error.file == url.path && error.line == line && error.column == column
                && error.description.hasPrefix(url.path + ", line \(line)") && error.description.contains(message)
        }
    }

    @Test("a quoted field spanning lines moves the line count on")
    func multilineField() throws {
        #expect(try CSVFile.parse("a,b\n\"x\ny\",1\n2,3\n").map(\.line) == [1, 2, 4])
        #expect { try CSVFile.parse("a,b\n\"x\ny\",1\n2,3\"\n") } throws: { error in
            (error as? CSVError).map { $0.line == 4 && $0.column == 2 } ?? false
        }
    }
}
