import ArgumentParser
import KMem

extension Inspect {
    /// `--audit`: the exercise keeps some of what it allocated (to show in the views above), so
    /// the audit checks conservation and reports what is live without a claim to compare.
    /// Frees vfree_atomic queued run first, as the kernel's worker would have by now.
    func reportAudit(_ kernel: Kernel) throws {
        kernel.vmalloc.flushDeferredFrees()
        let audit = kernel.audit()
        print("== conservation audit\n\(audit)")
        if !audit.isClean { throw ExitCode.failure }
    }
}
