import CKMemShims
import Foundation
import Synchronization

/// A thread that, while a cell runs, takes the drivers' live-bytes high marks every
/// `DriverBoard.interval` (their largest sum is the live peak) and, every `intervalMs`,
/// samples RSS for the CSV's series. It never calls into the allocator under test.
final class ResourceSampler: @unchecked Sendable {
    // Sendable: the series and peaks are written only by the sampler thread and read after
    // `stop()` has waited for it to end.
    private let ticksPerSample: Int
    private let live: DriverBoard
    private let stopping = Atomic<Bool>(false)
    private let done = DispatchSemaphore(value: 0)
    private(set) var rssSeriesKB: [Int] = []
    private(set) var livePeak = 0

    init(intervalMs: Int, live: DriverBoard) {
        ticksPerSample = max(1, Int(UInt64(max(1, intervalMs)) * 1_000_000 / DriverBoard.interval))
        self.live = live
        rssSeriesKB.reserveCapacity(4096)
    }

    func start() {
        let thread = Thread { [self] in
            var deadline = kmem_shim_monotonic_ns()
            var tick = 0
            while !stopping.load(ordering: .acquiring) {
                takeLive()
                if tick % ticksPerSample == 0 { sample() }
                tick += 1
                deadline += DriverBoard.interval
                _ = kmem_shim_sleep_until(deadline)
            }
            done.signal()
        }
        thread.name = "kmembench.sampler"
        thread.start()
    }

    /// Stops the thread and takes a last sample, after the workload has finished.
    func stop() {
        stopping.store(true, ordering: .releasing)
        done.wait()
        takeLive()
        sample()
    }

    private func takeLive() { livePeak = max(livePeak, live.takeHighMarks()) }

    private func sample() { rssSeriesKB.append(ProcessStatus.rssKB) }
}
