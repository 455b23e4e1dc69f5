import CKMemShims

/// What basic steps cost on this machine, for reading every other figure: a locked exchange
/// and store (the model's per-CPU slot claim, and the kernel's cost the model pays where user
/// space cannot disable preemption), the loop without it, and a clock read (the floor under
/// every sampled latency). Medians of repeated timed loops, in nanoseconds per iteration; the
/// three loops take turns within each repeat, so a slow spell of the machine (a neighbour, a
/// frequency change) lands on all three rather than on one.
public struct MachineCosts: Sendable {
    public let lockedExchangeNs: Double
    public let plainStoreNs: Double
    public let clockReadNs: Double

    public static func measure(iterations: UInt64 = 5_000_000, repeats: Int = 7) -> MachineCosts {
        let timers: [(UInt64) -> UInt64] = [kmem_shim_time_locked_exchanges, kmem_shim_time_plain_stores,
                                            kmem_shim_time_clock_reads]
        var runs = Array(repeating: [Double](), count: timers.count)
        for _ in 0..<max(1, repeats) {
            for (index, timer) in timers.enumerated() { runs[index].append(Double(timer(iterations)) / Double(iterations)) }
        }
        let medians = runs.map { Summary.median($0)! }
        return MachineCosts(lockedExchangeNs: medians[0], plainStoreNs: medians[1], clockReadNs: medians[2])
    }

    /// Markdown table rows, as machine.md lists them.
    public var markdownRows: [String] {
        func ns(_ value: Double) -> String { ResultsTable.short(value) + " ns" }
        return [
            "| locked exchange + store | \(ns(lockedExchangeNs)) |",
            "| relaxed load + store (the loop alone) | \(ns(plainStoreNs)) |",
            "| monotonic clock read | \(ns(clockReadNs)) |",
        ]
    }
}
