import Foundation

/// `trace info`: what a trace holds, as text: its source, span and CPUs, events per kind, how
/// its frees pair up, the busiest caches and the kernel's own zone-lock share.
public enum TraceSummary {
    public static func text(_ trace: Trace, busiest: Int = 10) -> String {
        let pairing = TracePairing(trace)
        let span = trace.timeSpan
        let seconds = Double(span.end - span.start) / 1e9
        var lines = [
            "source: \(trace.source)\(trace.hasContext ? " (with context flags)" : " (no context flags)")",
            "events: \(trace.eventCount) over \(String(format: "%.3f", seconds)) s on \(trace.cpus.count) CPUs ("
                + trace.cpus.enumerated().map { "cpu\($0.offset): \($0.element.count)" }.joined(separator: ", ") + ")",
            "dictionary: \(trace.strings.count - 1) strings",
        ]
        let counts = trace.kindCounts
        for kind in TraceEventKind.allCases where counts[Int(kind.rawValue)] > 0 {
            lines.append("  \(kind.eventName): \(counts[Int(kind.rawValue)])")
        }
        if trace.hasContext {
            let events = trace.cpus.joined()
            let contexts: [(String, TraceEventFlags)] = [("softirq", .softirq), ("hardirq", .hardirq), ("NMI", .nmi), ("irqs off", .irqsOff)]
            lines.append("context: " + contexts.map { name, flag in "\(events.filter { $0.flags.contains(flag) }.count) \(name)" }
                .joined(separator: ", "))
        }
        let c = pairing.counts
        let share = c.pairedFrees > 0 ? Double(c.crossCPUFrees) / Double(c.pairedFrees) : 0
        lines += [
            "paired frees: \(c.pairedFrees) (cross-CPU: \(c.crossCPUFrees), \(percent(share)))",
            "frees of objects from before the recording: \(c.preRecordingFrees); NULL frees: \(c.nullFrees)",
            "failed allocations: \(c.failedAllocations); allocations of a live pointer (free not recorded): \(c.unrecordedFrees)",
            "live at the end: \(c.liveAtEnd); page frees of another order than allocated: \(c.orderMismatches)",
        ]
        let zone = KernelZoneLockShare(trace)
        if let order0 = zone.order0Share, let pcp = zone.pcpShare {
            lines.append("kernel zone lock: \(percent(order0)) of \(zone.order0.allocations) order-0 allocations, "
                         + "\(percent(pcp)) of \(zone.pcp.allocations) order 0-3 allocations")
        } else {
            lines.append("kernel zone lock: unknown (no mm_page_alloc_zone_locked events in the trace, or no page allocations)")
        }
        let caches = TraceCacheUse.of(trace, pairing).prefix(busiest)
        if !caches.isEmpty {
            lines.append("busiest caches (allocations/frees, object size):")
            for cache in caches {
                lines.append("  \(cache.name): \(cache.allocations)/\(cache.frees), \(cache.objectSize) B")
            }
        }
        return lines.joined(separator: "\n")
    }

    static func percent(_ share: Double) -> String { String(format: "%.1f%%", share * 100) }
}
