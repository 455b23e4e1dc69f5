import CKMemShims

/// What basic steps cost on this machine, for reading every other figure: a locked exchange
/// and store (the model's per-CPU slot claim, and the kernel's cost the model pays where user
/// space cannot disable preemption), the loop without it, and a clock read (the floor under
/// every sampled latency). Medians of repeated timed loops, in nanoseconds per iteration.
public struct MachineCosts: Sendable {
    public let lockedExchangeNs: Double
    public let plainStoreNs: Double
    public let clockReadNs: Double

    public static func measure(iterations: UInt64 = 5_000_000, repeats: Int = 7) -> MachineCosts {
        func median(_ timer: (UInt64) -> UInt64) -> Double {
            let runs = (0..<repeats).map { _ in Double(timer(iterations)) / Double(iterations) }.sorted()
            return runs[runs.count / 2]
        }
        return MachineCosts(lockedExchangeNs: median(kmem_shim_time_locked_exchanges),
                            plainStoreNs: median(kmem_shim_time_plain_stores),
                            clockReadNs: median(kmem_shim_time_clock_reads))
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
