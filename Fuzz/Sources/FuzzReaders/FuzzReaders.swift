import Foundation
import KMemHarness

/// One libFuzzer entry for every reader of user files: the first byte picks the reader, the
/// rest is its input. Thrown errors are the readers' answer to bad input; a crash, a trap or
/// a sanitizer report is a finding (scripts/fuzz keeps it as crash-*, and it becomes a test).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    guard size > 0 else { return 0 }
    let input = UnsafeBufferPointer(start: data + 1, count: size - 1)
    let text = String(decoding: input, as: UTF8.self)
    switch data[0] % 7 {
    case 5: _ = try? Trace(decoding: UnsafeRawBufferPointer(input), path: "fuzz input")
    case 6:
        // The text importer reads files (perf script, ftrace, trace-cmd report text).
        guard FileManager.default.createFile(atPath: textTracePath, contents: Data(input)) else { return 0 }
        _ = try? TraceTextImporter().importFile(textTracePath)
    case 0: _ = try? ResultsReader.parse(text)
    case 1: _ = try? CSVFile.parse(text)
    case 2: _ = try? EngineRegistry.validate(NamedSpec(parsing: text, what: "engine"))
    case 3: _ = try? WorkloadRegistry.instantiate(NamedSpec(parsing: text, what: "workload"))
    default:
        _ = try? DurationText.seconds(text)
        _ = try? Shard(parsing: text)
        _ = ByteCount.parse(text)
    }
    return 0
}

/// Where the text importer's input is written: one file per fuzzing process.
let textTracePath = "/dev/shm/kmembench-fuzz-trace-\(getpid()).txt"
