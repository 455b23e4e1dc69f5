/// might_sleep: a function that may block, called where sleeping is forbidden (hardirq,
/// softirq, NMI, a held spinlock, preemption or interrupts disabled), is a kernel bug. The
/// check records the kernel's message and counts it; in strict mode it traps, as a kernel
/// built with panic_on_warn would.
public final class SleepCheck: Sendable {
    public let log: KernelLog
    public let strict: Bool
    /// The kernel prints at most one such report per second (prev_jiffy + HZ).
    let printLimit = RateLimit(intervalSeconds: 1, burst: 1)

    public init(log: KernelLog, strict: Bool) {
        self.log = log
        self.strict = strict
    }

    public var violations: Int { log.count(.sleepInAtomic) }

    /// Checks the caller's context for an operation that may block; `check` records it. `what`
    /// names the operation (the GFP mask of an allocation, the lock or queue waited on). The
    /// context (a thread-local read) is tested before `check` is evaluated, because loading a
    /// class reference through an unretained one costs a retain and a release on every call.
    @inlinable
    public static func mightSleep(_ check: @autoclosure () -> SleepCheck, _ what: @autoclosure () -> String,
                                  file: StaticString, line: UInt) {
        guard Current.inAtomic else { return }
        check().report(what(), file: file, line: line)
    }

    @usableFromInline
    func report(_ what: String, file: StaticString, line: UInt) {
        let count = Current.preemptCount
        let message = """
            BUG: sleeping function called from invalid context at \(file):\(line)
            in_atomic(): \(count != 0 ? 1 : 0), irqs_disabled(): \(Current.irqsDisabled ? 1 : 0), \
            non_block: 0, pid: \(Current.pid), name: \(Current.name)
            preempt_count: \(String(count, radix: 16)), expected: 0
            context: \(Current.context.rawValue), \(what)
            """
        if printLimit.allow() { log.record(.sleepInAtomic, message) } else { log.countOnly(.sleepInAtomic) }
        if strict { fatalError(message) }
    }
}
