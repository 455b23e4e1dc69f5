import CKMemShims
import Foundation
import Synchronization

/// A thread that samples RSS, the allocator's footprint and the workload's live bytes every
/// interval while a cell runs: the RSS series for the CSV and the peaks for blowup.
final class ResourceSampler: @unchecked Sendable {
    // Sendable: the series and peaks are written only by the sampler thread and read after
    // `stop()` has waited for it to end.
    private let intervalNs: UInt64
    private let footprint: @Sendable () -> Int?
    private let live: LiveBytesBoard
    private let stopping = Atomic<Bool>(false)
    private let done = DispatchSemaphore(value: 0)
    private(set) var rssSeriesKB: [Int] = []
    private(set) var footprintPeak: Int?
    private(set) var livePeak = 0

    init(intervalMs: Int, live: LiveBytesBoard, footprint: @escaping @Sendable () -> Int?) {
        intervalNs = UInt64(max(1, intervalMs)) * 1_000_000
        self.live = live
        self.footprint = footprint
    }

    func start() {
        let thread = Thread { [self] in
            var deadline = kmem_shim_monotonic_ns()
            while !stopping.load(ordering: .acquiring) {
                sample()
                deadline += intervalNs
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
        sample()
    }

    private func sample() {
        rssSeriesKB.append(ProcessStatus.rssKB)
        if let bytes = footprint() { footprintPeak = max(footprintPeak ?? 0, bytes) }
        livePeak = max(livePeak, live.total)
    }
}
