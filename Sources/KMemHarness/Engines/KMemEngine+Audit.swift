import KMem

/// The kmem engine's audit once its workers are retired: the workload has given everything
/// back, so nothing may be live but what the engine holds itself (the OOM victim's pages).
/// Frees vfree_atomic queued are run first, as the kernel's worker would have by now.
extension KMemEngine {
    public func audit() -> [AuditViolation] {
        kernel.vmalloc.flushDeferredFrees()
        var claims = AuditClaims.nothingLive
        claims.holders = pools.withLock { $0 } + [oomVictim].compactMap { $0 }
        return kernel.audit(claims).violations
    }
}
