import CKMemShims
import KMemBaselines

/// What the harness itself adds to an operation: glibc's 64-byte pair through the whole
/// harness (a `pair` cell in this process: driver, counters, live bytes, latency sampling)
/// against the same pair in a plain C loop calling malloc and free through function pointers,
/// measured alternately so that both see the same machine; and floor's pair through the
/// harness, the least any engine can cost. Nanoseconds per operation (a pair is two), medians.
public struct HarnessCost: Sendable {
    public let cLoopNs: Double
    public let harnessNs: Double
    public let floorNs: Double
    /// The median of each repeat's harness / C-loop ratio (the two run back to back).
    public let inflation: Double

    /// nil when glibc's allocator cannot be loaded.
    public static func measure(repeats: Int = 5, seconds: Double = 0.3) -> HarnessCost? {
        guard let glibc = try? BaselineEngine(.glibc) else { return nil }
        let floor = FloorEngine()
        let pair = Pair(try! ParameterValues(NamedSpec(name: "pair"), schema: Pair.info.parameters, what: "workload"))
        let iterations: UInt64 = 20_000_000
        var loop: [Double] = [], harness: [Double] = [], floorRuns: [Double] = []
        for _ in 0..<repeats {
            let functions = glibc.allocator.functions
            let elapsed = kmem_shim_time_malloc_pairs(functions.malloc, functions.free, 64, iterations)
            loop.append(Double(elapsed) / Double(2 * iterations))
            harness.append(nsPerOp(pair, glibc, seconds))
            floorRuns.append(nsPerOp(pair, floor, seconds))
        }
        return HarnessCost(cLoopNs: Summary.median(loop)!, harnessNs: Summary.median(harness)!, floorNs: Summary.median(floorRuns)!,
                           inflation: Summary.median(zip(harness, loop).map { $0 / $1 })!)
    }

    static func nsPerOp<E: Engine>(_ workload: Pair, _ engine: E, _ seconds: Double) -> Double {
        let context = WorkloadContext(options: CellOptions(threads: 1, duration: seconds, warmup: 0.05))
        workload.run(on: engine, context)
        let operations = context.collected.withLock { $0.counters.operations }
        return context.seconds * 1e9 / Double(max(1, operations))
    }

    /// Markdown table rows, as machine.md lists them.
    public var markdownRows: [String] {
        func ns(_ value: Double) -> String { ResultsTable.short(value) + " ns/op" }
        return [
            "| glibc 64 B malloc+free, plain C loop (function pointers, one byte written) | \(ns(cLoopNs)) |",
            "| glibc 64 B `pair` through the harness | \(ns(harnessNs)) (\(ResultsTable.short(inflation))x the C loop: the harness adds \(ns(harnessNs - cLoopNs))) |",
            "| floor 64 B `pair` through the harness | \(ns(floorNs)) |",
        ]
    }
}
