import KMem
@testable import KMemHarness

/// A driver bug for the sleep check to catch: GFP_KERNEL alloc_pages inside hardirq context.
/// Run straight on an engine, never registered: a shipped workload is never wrong on purpose.
struct WrongContext: Workload {
    static let info = WorkloadInfo(
        name: "wrong-context", pattern: "each round: GFP_KERNEL alloc_pages inside hardirq context, then free",
        models: "a driver bug: a sleeping allocation in an interrupt handler", parameters: [])

    init() {}
    init(_ values: ParameterValues) {}
    var requestKinds: RequestKinds { .pages }

    func run<E: Engine>(on engine: E, _ context: WorkloadContext) {
        context.runThreads(engine) { _, driver in
            var round = 0
            while driver.more(round) {
                let page = Current.inHardirq { driver.allocPages(order: 0, gfp: .kernel) }
                if let page { driver.freePages(page, order: 0) }
                round &+= 1
            }
        }
    }
}
