/// A mempool holds its reserve outside the allocator's structures: the audit asks it.
extension Mempool: AuditHolder {
    public var auditName: String { "mempool reserves" }

    public func auditHoldings() -> [AuditHolding] {
        lock.lock()
        defer { lock.unlock() }
        return (0..<currNr).compactMap { source.auditHolding(elements[$0]) }
    }
}
