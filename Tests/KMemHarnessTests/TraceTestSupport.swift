import Foundation
import KMem
@testable import KMemHarness
import Synchronization

/// The committed traces (Data/traces, docs/trace-format.md says how they were recorded).
func traceData(_ name: String) -> String {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Data/traces/\(name)").path
}

/// Writes `bytes` to a new temporary file and returns its path.
func temporaryFile(_ bytes: [UInt8], name: String = "t.kmt") throws -> String {
    let path = try temporaryDirectory().appendingPathComponent(name).path
    guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else { throw CSVError("cannot write \(path)") }
    return path
}

/// Runs a trace replay in this process, limited to `rounds` passes; returns what the harness
/// collected.
func replay<E: Engine>(_ spec: String, on engine: E, threads: Int = 2, rounds: Int = 1) throws -> WorkloadContext.Collected {
    try runInProcess(spec, on: engine, threads: threads, rounds: rounds)
}

/// An engine on the system allocator that checks the order of what it is asked: a free of a
/// block that is not allocated at that moment (a free before its allocation, or twice) is a
/// violation. Blocks are malloc'd, so an address is never live twice.
final class OrderCheckingEngine: Engine, @unchecked Sendable {
    // Sendable: `live` is behind a Mutex, the counters are atomic.
    let requestKinds: RequestKinds = .all
    let live = Mutex<Set<UInt>>([])
    let violations = Atomic<Int>(0)
    let calls = Atomic<Int>(0)

    struct Worker: EngineWorker {
        let engine: OrderCheckingEngine

        func allocate(_ bytes: Int) -> UnsafeMutableRawPointer? {
            let block = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 16)
            engine.calls.wrappingAdd(1, ordering: .relaxed)
            engine.live.withLock { _ = $0.insert(UInt(bitPattern: block)) }
            return block
        }

        func release(_ block: UnsafeMutableRawPointer) {
            engine.calls.wrappingAdd(1, ordering: .relaxed)
            if engine.live.withLock({ $0.remove(UInt(bitPattern: block)) }) == nil {
                engine.violations.wrappingAdd(1, ordering: .relaxed)
                return
            }
            block.deallocate()
        }

        mutating func allocObject(size: Int, gfp: GFP) -> UnsafeMutableRawPointer? { allocate(size) }
        mutating func freeObject(_ object: UnsafeMutableRawPointer, size: Int) { release(object) }
        mutating func allocPages(order: Int, gfp: GFP) -> UnsafeMutableRawPointer? { allocate(4096 << order) }
        mutating func freePages(_ pages: UnsafeMutableRawPointer, order: Int) { release(pages) }
    }

    func makeWorker(cpu: Int) -> Worker { Worker(engine: self) }
    func retire(_ worker: inout Worker) {}
    func footprintBytes() -> Int? { nil }
    func report() -> EngineReport { EngineReport() }
}

/// Runs a trace replay in this process with `options`; returns its context (window, figures).
func replayContext<E: Engine>(_ spec: String, on engine: E, options: CellOptions) throws -> WorkloadContext {
    let values = try ParameterValues(NamedSpec(parsing: spec, what: "workload"), schema: TraceReplay.info.parameters,
                                     what: "workload")
    let context = WorkloadContext(options: options)
    TraceReplay(values).run(on: engine, context)
    return context
}

/// An engine on the system allocator whose frees take at least `freeNs`: long enough for the
/// drains' time to be seen.
final class SlowFreeEngine: Engine, Sendable {
    static let freeNs = 100_000
    let requestKinds: RequestKinds = .all

    struct Worker: EngineWorker {
        func release(_ block: UnsafeMutableRawPointer) {
            usleep(UInt32(SlowFreeEngine.freeNs / 1000))
            block.deallocate()
        }

        mutating func allocObject(size: Int, gfp: GFP) -> UnsafeMutableRawPointer? { .allocate(byteCount: size, alignment: 16) }
        mutating func freeObject(_ object: UnsafeMutableRawPointer, size: Int) { release(object) }
        mutating func allocPages(order: Int, gfp: GFP) -> UnsafeMutableRawPointer? {
            .allocate(byteCount: 4096 << order, alignment: 4096)
        }
        mutating func freePages(_ pages: UnsafeMutableRawPointer, order: Int) { release(pages) }
    }

    func makeWorker(cpu: Int) -> Worker { Worker() }
    func retire(_ worker: inout Worker) {}
    func footprintBytes() -> Int? { nil }
    func report() -> EngineReport { EngineReport() }
}
