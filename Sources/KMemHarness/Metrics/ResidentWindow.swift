import Synchronization

/// The one memory figure measured the same way for every engine: how far the process's
/// resident set rose above what it was just before the workload started (its setup included), at its
/// peak (the kernel's own VmHWM, restarted at that point, so no peak between samples is
/// missed), less the harness's own buffers mapped since. Pages an allocator keeps after a
/// free stay resident and count; pages it gives back do not.
struct ResidentWindow {
    private var baselineKB = 0
    private var harnessBaseline = 0
    private var peakReset = false

    /// Taken just before the workload starts.
    mutating func open() {
        peakReset = ProcessStatus.resetPeakRSS()
        baselineKB = ProcessStatus.rssKB
        harnessBaseline = HarnessMemory.mapped.load(ordering: .relaxed)
        HarnessMemory.resetPeak()
    }

    /// The rise at the peak in bytes, nil when VmHWM could not be restarted (it would then
    /// include the peak of everything before the window).
    func peakRiseBytes() -> Int? {
        guard peakReset else { return nil }
        let harness = HarnessMemory.peak.load(ordering: .relaxed) - harnessBaseline
        return max(0, (ProcessStatus.peakRSSKB - baselineKB) * 1024 - max(0, harness))
    }
}
