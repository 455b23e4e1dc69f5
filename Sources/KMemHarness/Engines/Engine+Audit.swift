import KMem

/// What an engine's audit found at a quiescent point: the conservation violations, and the
/// gauges a soak follows from pass to pass (what its structures hold once every object is
/// back). The baselines keep neither (their allocators' internals are not ours).
public struct EngineAudit: Sendable {
    public var violations: [AuditViolation] = []
    /// Name → reading, as `soak_NAME_*` figures.
    public var gauges: [String: Double] = [:]
}

extension Engine {
    public func audit() -> EngineAudit { EngineAudit() }
}

extension AnyEngine {
    func audit() -> EngineAudit { engine.audit() }
}

extension CellRunner.Failure {
    /// The cell's failure when the audit `after` a point found something: one line (the parent
    /// keeps the last lines of the child's standard error), the count first, then each violation.
    init?(audit: EngineAudit, after point: String) {
        let violations = audit.violations
        guard !violations.isEmpty else { return nil }
        self.init(description: "conservation audit after \(point): \(violations.count) violation"
                  + (violations.count == 1 ? "" : "s") + ": "
                  + violations.map { "[\($0.kind.rawValue)] \($0.description)" }.joined(separator: "; "))
    }
}
