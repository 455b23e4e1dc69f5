/// A prefilled sheaf belongs to its caller until returned: its objects are the caller's
/// reserve, and the sheaf itself an object of its magazine cache.
extension SlabSheaf: AuditHolder {
    public var auditName: String { "prefilled sheaves" }

    public func auditHoldings() -> [AuditHolding] {
        [.object(magazine.raw)] + (0..<magazine.rounds).map { .object(magazine.objects[$0]) }
    }
}
