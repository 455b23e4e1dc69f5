import CKMemShims
import Synchronization

/// What the OOM killer may kill. The model runs no processes, so whatever holds memory that can
/// be given back at once registers itself as a victim (a workload's killable working set, a
/// test's hoard). The kernel's victim frees its memory as it exits, helped by the oom_reaper;
/// the model's kill frees it before returning, so the retry that follows finds it.
public protocol OOMVictim: AnyObject, Sendable {
    var name: String { get }
    /// oom_badness: the pages it holds now (0: nothing to gain by killing it).
    var pages: Int { get }
    /// oom_kill_process: frees what it holds; returns the pages freed.
    func kill() -> Int
}

extension PageAllocator {
    /// One jiffy at Debian's HZ=250: what schedule_timeout_uninterruptible(1) sleeps.
    static let jiffyNanoseconds: UInt64 = 4_000_000

    public func registerOOMVictim(_ victim: any OOMVictim) { oomVictims.register(victim) }

    public func unregisterOOMVictim(_ victim: any OOMVictim) { oomVictims.unregister(victim) }

    /// __alloc_pages_may_oom: the page a last attempt found, and whether the OOM path made
    /// progress (a kill, or a request the killer must not act on and that should retry).
    func mayOOM(_ gfp: GFP, order: Int) -> (page: PagePointer?, progress: Bool) {
        // oom_lock: whoever holds it is killing for everyone; back off a jiffy and retry.
        guard !oomLock.exchange(true, ordering: .acquiring) else {
            kmem_shim_sleep_until(kmem_shim_monotonic_ns() + PageAllocator.jiffyNanoseconds)
            return (nil, true)
        }
        defer { oomLock.store(false, ordering: .releasing) }
        // A parallel kill may have freed enough: one more try at the high watermark, no reclaim.
        if let page = getPageFromFreelist(gfp.subtracting(.directReclaim), order: order, level: .high, flags: []) {
            return (page, false)
        }
        // The OOM killer does not help costly orders, requests that would rather fail, or
        // lowmem (DMA, DMA32) requests: killing would not free memory they can use.
        if order > PageAllocator.costlyOrder || gfp.contains(.retryMayfail) || gfp.highestZone < .normal {
            return (nil, false)
        }
        guard outOfMemory(gfp, order: order) || gfp.contains(.nofail) else { return (nil, false) }
        // Help a request that must not fail: the reserves below every watermark.
        let page = gfp.contains(.nofail)
            ? getPageFromFreelist(gfp, order: order, level: .min, flags: [.noWatermarks]) : nil
        return (page, true)
    }

    /// out_of_memory: kills the victim holding the most pages. With none, the kernel panics
    /// ("System is deadlocked on memory"); the model logs that and reports no progress, so
    /// the request fails (or, with __GFP_NOFAIL, keeps waiting for memory).
    func outOfMemory(_ gfp: GFP, order: Int) -> Bool {
        // The OOM killer does not compensate for IO-less reclaim: a !__GFP_FS request loops.
        if !gfp.contains(.fs) { return true }
        let header = "\(Current.name) invoked oom-killer: gfp_mask=0x\(String(gfp.rawValue, radix: 16))"
            + "(\(gfp)), order=\(order), oom_score_adj=0"
        let candidates = oomVictims.all.map { (victim: $0, pages: $0.pages) }.filter { $0.pages > 0 }
        guard let chosen = candidates.max(by: { $0.pages < $1.pages }) else {
            log.record(.oom, header + "\nOut of memory and no killable processes...\n"
                       + "Kernel panic - not syncing: System is deadlocked on memory "
                       + "(the model does not halt: no progress, free pages: \(freePagesTotal))")
            return false
        }
        let freed = chosen.victim.kill()
        events.count(.oomEvents)
        let kilobytes = chosen.pages * PhysicalMemory.pageSize / 1024
        log.record(.oom, header + "\nOut of memory: Killed process (\(chosen.victim.name)) total-vm:\(kilobytes)kB, "
                   + "anon-rss:\(kilobytes)kB, file-rss:0kB, shmem-rss:0kB, UID:0 pgtables:0kB oom_score_adj:0\n"
                   + "oom_reaper: reaped process (\(chosen.victim.name)), \(freed) pages freed")
        return true
    }
}
