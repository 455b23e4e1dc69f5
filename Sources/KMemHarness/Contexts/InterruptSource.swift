import CKMemShims
import Foundation
import KMem
import Synchronization

/// A running interrupt source: a DispatchSource timer (or, with the precise option, a thread
/// sleeping to absolute deadlines) whose handler runs `plan.hardirq` in hardirq context on
/// its own serial queue, then raises the softirq, which runs on a second serial queue in
/// softirq context. Ticks the timer merged into one handler call are counted as missed.
final class InterruptSource<E: Engine>: @unchecked Sendable {
    // Sendable: `hardirqDriver` is touched only on `irqQueue` (or the precise-timer thread,
    // which replaces it), `softirqDriver` only on `softirqQueue`; the rest is atomic or let.
    let plan: InterruptPlan<E>
    let maxTicks: Int
    let precise: Bool
    private let irqQueue: DispatchQueue
    private let softirqQueue: DispatchQueue
    private var hardirqDriver: Driver<E.Worker>
    private var softirqDriver: Driver<E.Worker>
    private let softirqPending = Atomic<Bool>(false)
    private let stopping = Atomic<Bool>(false)
    let ticks = Atomic<Int>(0)
    let missedTicks = Atomic<Int>(0)
    private var timer: DispatchSourceTimer?
    private let preciseDone = DispatchSemaphore(value: 0)

    init(plan: InterruptPlan<E>, index: Int, maxTicks: Int, precise: Bool,
         hardirqDriver: Driver<E.Worker>, softirqDriver: Driver<E.Worker>) {
        self.plan = plan
        self.maxTicks = maxTicks
        self.precise = precise
        self.hardirqDriver = hardirqDriver
        self.softirqDriver = softirqDriver
        irqQueue = DispatchQueue(label: "kmembench.irq.\(index)")
        softirqQueue = DispatchQueue(label: "kmembench.softirq.\(index)")
    }

    var periodNs: UInt64 { UInt64(max(1.0, 1e9 / plan.rate)) }

    func start() {
        if precise {
            let thread = Thread { [self] in runPreciseLoop() }
            thread.name = "kmembench.irq.precise"
            thread.start()
        } else {
            let timer = DispatchSource.makeTimerSource(flags: .strict, queue: irqQueue)
            timer.schedule(deadline: .now(), repeating: .nanoseconds(Int(periodNs)), leeway: .nanoseconds(0))
            timer.setEventHandler { [self] in
                // `data` is how many times the timer fired since the handler last ran.
                let fired = Int(timer.data)
                if fired > 1 { missedTicks.wrappingAdd(fired - 1, ordering: .relaxed) }
                tick()
            }
            self.timer = timer
            timer.resume()
        }
    }

    /// Whether the source has run all the ticks a rounds-limited cell asked for.
    var finishedTicks: Bool { ticks.load(ordering: .acquiring) >= maxTicks }

    /// Stops the timer, waits for any handler and softirq work in flight, and retires both
    /// drivers on the queues that own them.
    func stop(engine: E, collect: (inout Driver<E.Worker>) -> Void) {
        stopping.store(true, ordering: .releasing)
        if precise {
            preciseDone.wait()
        } else {
            timer?.cancel()
            irqQueue.sync {}
        }
        softirqQueue.sync {}
        irqQueue.sync { collect(&hardirqDriver) }
        softirqQueue.sync { collect(&softirqDriver) }
    }

    private func tick() {
        guard !stopping.load(ordering: .acquiring) else { return }
        let number = ticks.load(ordering: .relaxed)
        guard number < maxTicks else { return }
        hardirqDriver.notePhase()
        CPU.withCPU(plan.cpu) {
            Current.inHardirq { plan.hardirq(&hardirqDriver, number) }
        }
        ticks.store(number + 1, ordering: .releasing)
        raiseSoftirq()
    }

    /// raise_softirq: coalesced, as the kernel's pending bit is.
    private func raiseSoftirq() {
        guard let softirq = plan.softirq, !softirqPending.exchange(true, ordering: .acquiringAndReleasing) else { return }
        softirqQueue.async { [self] in
            softirqPending.store(false, ordering: .releasing)
            softirqDriver.notePhase()
            CPU.withCPU(plan.softirqCPU) {
                Current.inSoftirq { softirq(&softirqDriver) }
            }
        }
    }

    /// The precise timer: sleep to each absolute deadline; deadlines already past when the
    /// thread wakes are skipped and counted as missed.
    private func runPreciseLoop() {
        let period = periodNs
        var deadline = kmem_shim_monotonic_ns() + period
        while !stopping.load(ordering: .acquiring) {
            _ = kmem_shim_sleep_until(deadline)
            tick()
            deadline += period
            let now = kmem_shim_monotonic_ns()
            if now > deadline {
                let behind = (now - deadline) / period + 1
                missedTicks.wrappingAdd(Int(behind), ordering: .relaxed)
                deadline += behind * period
            }
        }
        preciseDone.signal()
    }
}
