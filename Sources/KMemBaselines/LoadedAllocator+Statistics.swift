internal import CKMemBaselineShims

/// Where an allocator keeps its statistics, with the entry point that reads them.
enum StatisticsSource {
    typealias Mallinfo2 = @convention(c) () -> mallinfo2
    /// int mallctl(const char *name, void *oldp, size_t *oldlenp, void *newp, size_t newlen)
    typealias Mallctl = @convention(c) (
        UnsafePointer<CChar>?, UnsafeMutableRawPointer?, UnsafeMutablePointer<Int>?, UnsafeMutableRawPointer?, Int
    ) -> Int32
    /// int MallocExtension_GetNumericProperty(const char *property, size_t *value)
    typealias NumericProperty = @convention(c) (UnsafePointer<CChar>?, UnsafeMutablePointer<Int>?) -> Int32
    /// void mi_process_info(elapsed_msecs, user_msecs, system_msecs, current_rss, peak_rss,
    ///                      current_commit, peak_commit, page_faults): all size_t *
    typealias ProcessInfo = @convention(c) (
        UnsafeMutablePointer<Int>?, UnsafeMutablePointer<Int>?, UnsafeMutablePointer<Int>?,
        UnsafeMutablePointer<Int>?, UnsafeMutablePointer<Int>?, UnsafeMutablePointer<Int>?,
        UnsafeMutablePointer<Int>?, UnsafeMutablePointer<Int>?
    ) -> Void

    case mallinfo2(Mallinfo2)
    case mallctl(Mallctl)
    case numericProperty(NumericProperty)
    case processInfo(ProcessInfo)
}

extension LoadedAllocator {
    /// The allocator's own view of its memory now. glibc's figures cover the whole process,
    /// whose Swift runtime it also serves; mimalloc 2.0 reports only committed memory.
    public func statistics() -> AllocatorStatistics {
        switch statisticsSource {
        case let .mallinfo2(read): Self.glibcStatistics(read())
        case let .mallctl(mallctl): Self.jemallocStatistics(mallctl)
        case let .numericProperty(property): Self.tcmallocStatistics(property)
        case let .processInfo(processInfo): Self.mimallocStatistics(processInfo)
        }
    }

    private static func glibcStatistics(_ info: mallinfo2) -> AllocatorStatistics {
        // uordblks counts only chunks inside arenas; blocks above the mmap threshold
        // (128 KiB by default) are in hblkhd, and they are allocated too.
        AllocatorStatistics(
            allocatedBytes: info.uordblks + info.hblkhd,
            mappedBytes: info.arena + info.hblkhd,
            extra: [
                ("arena", info.arena), ("uordblks", info.uordblks), ("fordblks", info.fordblks),
                ("fsmblks", info.fsmblks), ("ordblks", info.ordblks), ("hblks", info.hblks),
                ("hblkhd", info.hblkhd), ("keepcost", info.keepcost),
            ])
    }

    private static func jemallocStatistics(_ mallctl: StatisticsSource.Mallctl) -> AllocatorStatistics {
        func read<T: FixedWidthInteger>(_ name: String, as _: T.Type) -> Int? {
            var value = T.zero
            var length = MemoryLayout<T>.size
            return mallctl(name, &value, &length, nil, 0) == 0 ? Int(value) : nil
        }
        // The stats.* values are a snapshot that writing "epoch" refreshes.
        var epoch: UInt64 = 1
        withUnsafeMutablePointer(to: &epoch) { epoch in
            var length = MemoryLayout<UInt64>.size
            _ = mallctl("epoch", epoch, &length, epoch, MemoryLayout<UInt64>.size)
        }
        let extra = [
            ("stats.retained", read("stats.retained", as: Int.self)),
            ("opt.narenas", read("opt.narenas", as: UInt32.self)),
            ("opt.tcache_max", read("opt.tcache_max", as: Int.self)),
        ]
        return AllocatorStatistics(
            allocatedBytes: read("stats.allocated", as: Int.self),
            activeBytes: read("stats.active", as: Int.self),
            residentBytes: read("stats.resident", as: Int.self),
            mappedBytes: read("stats.mapped", as: Int.self),
            metadataBytes: read("stats.metadata", as: Int.self),
            extra: extra.compactMap { name, value in value.map { (name, $0) } })
    }

    private static func tcmallocStatistics(_ property: StatisticsSource.NumericProperty) -> AllocatorStatistics {
        func read(_ name: String) -> Int? {
            var value = 0
            return property(name, &value) != 0 ? value : nil
        }
        let heap = read("generic.heap_size")
        let physical = read("generic.total_physical_bytes")
        let pageHeapFree = read("tcmalloc.pageheap_free_bytes")
        let unmapped = read("tcmalloc.pageheap_unmapped_bytes")
        // gperftools computes total_physical_bytes as heap - unmapped + metadata, and heap
        // minus the page heap's free and unmapped spans is what spans in use cover.
        var active: Int?, metadata: Int?
        if let heap, let physical, let pageHeapFree, let unmapped {
            active = heap - pageHeapFree - unmapped
            metadata = physical - heap + unmapped
        }
        let extra = [
            "tcmalloc.pageheap_free_bytes", "tcmalloc.pageheap_unmapped_bytes",
            "tcmalloc.central_cache_free_bytes", "tcmalloc.transfer_cache_free_bytes",
            "tcmalloc.thread_cache_free_bytes",
        ].compactMap { name in read(name).map { (name, $0) } }
        return AllocatorStatistics(
            allocatedBytes: read("generic.current_allocated_bytes"),
            activeBytes: active,
            residentBytes: physical,
            mappedBytes: heap,
            metadataBytes: metadata,
            extra: extra)
    }

    private static func mimallocStatistics(_ processInfo: StatisticsSource.ProcessInfo) -> AllocatorStatistics {
        var elapsed = 0, user = 0, system = 0, rss = 0, peakRSS = 0, commit = 0, peakCommit = 0, faults = 0
        processInfo(&elapsed, &user, &system, &rss, &peakRSS, &commit, &peakCommit, &faults)
        // On Linux mimalloc 2.0 fills current_rss with its committed bytes (checked: the two
        // are equal) and peak_rss with the process's getrusage high-water mark, so neither
        // is this allocator's resident memory.
        return AllocatorStatistics(
            mappedBytes: commit,
            extra: [("peak_commit", peakCommit), ("process_peak_rss", peakRSS), ("page_faults", faults)])
    }
}
