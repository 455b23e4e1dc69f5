import Foundation
import KMem

/// Thread turnover, as larson and mstress do it: a thread's work continues on a freshly created
/// OS thread (pthread_create), which exits when done. Dispatch's workers are pooled and never
/// exit, so without this an allocator's thread-exit path (a baseline's thread cache flushed
/// and torn down by its thread-specific-data destructor) would never run.
extension WorkloadContext {
    /// Runs `body` on a new OS thread bound to model CPU `cpu`, handing it `driver`: the
    /// caller's worker is retired, the new thread makes its own and retires it before it exits,
    /// and the caller gets a fresh one back. The counters and the live-bytes slot carry on, so
    /// the cell counts the new thread's operations as the caller's. Returns once the new thread
    /// has exited (joined), and counts it in the `threads_created` figure.
    public func onNewThread<E: Engine>(_ engine: E, cpu: Int, _ driver: inout Driver<E.Worker>,
                                       _ body: (inout Driver<E.Worker>) -> Void) {
        engine.retire(&driver.worker)
        withUnsafeMutablePointer(to: &driver) { handed in
            withoutActuallyEscaping(body) { body in
                let affinity = options.affinity
                let start = NewThreadStart {
                    // The same binding runThreads gives its workers.
                    if affinity { try? CPU.pinCurrentThread(to: cpu % CPU.configuredCount) }
                    CPU.withCPU(cpu) {
                        handed.pointee.worker = engine.makeWorker(cpu: cpu)
                        body(&handed.pointee)
                        engine.retire(&handed.pointee.worker)
                    }
                }
                start.runAndJoin()
            }
        }
        driver.worker = engine.makeWorker(cpu: cpu)
        addFigures(["threads_created": 1])
    }
}

/// The closure a new thread runs, boxed to pass through pthread_create's context pointer.
private final class NewThreadStart {
    let body: () -> Void

    init(_ body: @escaping () -> Void) { self.body = body }

    /// Starts the thread and waits for it to exit: the caller's stack (the driver, the
    /// closure's captures) outlives it, which is what makes the unchecked hand-over safe.
    func runAndJoin() {
        var thread = pthread_t()
        let context = Unmanaged.passRetained(self).toOpaque()
        let created = pthread_create(&thread, nil, { context in
            Unmanaged<NewThreadStart>.fromOpaque(context!).takeRetainedValue().body()
            return nil
        }, context)
        guard created == 0 else {
            fatalError("pthread_create failed (errno \(created)): the workload needs a new thread per turnover")
        }
        pthread_join(thread, nil)
    }
}
