import KMem

/// `crash` (hidden, for the harness's own tests): traps in the measuring child, so the
/// parent's handling of a lost cell can be tested end to end.
public struct Crash: Workload {
    public static let info = WorkloadInfo(
        name: "crash", pattern: "traps at once", models: "nothing: it tests that a crashing cell becomes a failed row",
        parameters: [], hidden: true)

    public init(_ values: ParameterValues) {}
    public var requestKinds: RequestKinds { [] }

    public func run<E: Engine>(on engine: E, _ context: WorkloadContext) {
        context.runThreads(engine) { _, _ in fatalError("crash workload: trapping on purpose") }
    }
}

/// `wrong-context` (hidden, for the sleep-check tests): allocates pages with GFP_KERNEL
/// inside hardirq context, the bug the kernel's might_sleep check exists to catch.
public struct WrongContext: Workload {
    public static let info = WorkloadInfo(
        name: "wrong-context", pattern: "each round: GFP_KERNEL alloc_pages inside hardirq context, then free",
        models: "a driver bug: a sleeping allocation in an interrupt handler", parameters: [], hidden: true)

    public init(_ values: ParameterValues) {}
    public var requestKinds: RequestKinds { .pages }

    public func run<E: Engine>(on engine: E, _ context: WorkloadContext) {
        context.runThreads(engine) { _, driver in
            var round = 0
            while context.control.more(round) {
                let page = Current.inHardirq { driver.allocPages(order: 0, gfp: .kernel) }
                if let page { driver.freePages(page, order: 0) }
                round &+= 1
            }
        }
    }
}
