import KMem

/// The OOM victim's pages are the engine's, not the workload's: the audit counts them apart.
extension OOMBallast: AuditHolder {
    var auditName: String { "OOM victim (\(name))" }

    func auditHoldings() -> [AuditHolding] { heldPfns.map { .pages(pfn: $0, order: 0) } }
}
