import KMem

/// The conservation audit after a cell: the model kernel checks that every page and object
/// came back; the baselines keep no such check (their allocators' internals are not ours).
extension Engine {
    public func audit() -> [AuditViolation] { [] }
}

extension AnyEngine {
    func audit() -> [AuditViolation] { engine.audit() }
}

extension CellRunner.Failure {
    /// The cell's failure when the audit found something: one line (the parent keeps the last
    /// lines of the child's standard error), the count first, then each violation.
    init?(audit violations: [AuditViolation]) {
        guard !violations.isEmpty else { return nil }
        self.init(description: "conservation audit after the workload: \(violations.count) violation"
                  + (violations.count == 1 ? "" : "s") + ": "
                  + violations.map { "[\($0.kind.rawValue)] \($0.description)" }.joined(separator: "; "))
    }
}
