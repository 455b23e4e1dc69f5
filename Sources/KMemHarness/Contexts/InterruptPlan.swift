/// An interrupt source a workload asks for: a timer at `rate` per second whose handler runs
/// in hardirq context as model CPU `cpu`, and optional softirq work the handler raises, run in
/// softirq context as model CPU `softirqCPU` (the kernel runs softirqs on the raising CPU
/// or in ksoftirqd; a workload that frees "on another CPU" says so here).
public struct InterruptPlan<E: Engine>: Sendable {
    public typealias Handler = @Sendable (inout Driver<E.Worker>, _ tick: Int) -> Void

    public var rate: Double
    public var cpu: Int
    public var softirqCPU: Int
    /// Runs in hardirq context; may only use GFP_ATOMIC. Return from it to raise the softirq.
    public var hardirq: Handler
    public var softirq: (@Sendable (inout Driver<E.Worker>) -> Void)?

    public init(rate: Double, cpu: Int, softirqCPU: Int, hardirq: @escaping Handler,
                softirq: (@Sendable (inout Driver<E.Worker>) -> Void)? = nil) {
        self.rate = rate
        self.cpu = cpu
        self.softirqCPU = softirqCPU
        self.hardirq = hardirq
        self.softirq = softirq
    }
}
