import KMemBaselines
import Testing

@Suite struct StatisticsTests {
    @Test(arguments: BaselineAllocator.allCases)
    func reportsTheFieldsEachAllocatorHas(_ which: BaselineAllocator) {
        guard let allocator = loadedOrSkipped(which) else { return }
        let statistics = allocator.statistics()
        switch which {
        case .glibc:
            #expect(statistics.allocatedBytes != nil && statistics.mappedBytes != nil)
        case .jemalloc, .tcmalloc:
            #expect(statistics.allocatedBytes != nil && statistics.activeBytes != nil)
            #expect(statistics.residentBytes != nil && statistics.mappedBytes != nil)
            #expect(statistics.metadataBytes != nil)
        case .mimalloc:
            #expect(statistics.mappedBytes != nil)
        }
        #expect(!statistics.extra.isEmpty)
    }

    @Test(arguments: BaselineAllocator.allCases)
    func allocatedBytesGrowWithAMebibyteLive(_ which: BaselineAllocator) throws {
        guard let allocator = loadedOrSkipped(which), allocator.statistics().allocatedBytes != nil else { return }
        let size = 1 << 20
        // glibc's figures cover the whole process, and other tests run concurrently (one freed
        // 4.7 MiB between the two readings in a CI run): the mebibyte must show in at least
        // one of a few tries, each allowing for others freeing half of it meanwhile.
        var growths: [Int] = []
        for _ in 0..<5 {
            let before = try #require(allocator.statistics().allocatedBytes)
            let block = try #require(allocator.allocate(size: size))
            let after = try #require(allocator.statistics().allocatedBytes)
            allocator.deallocate(block)
            growths.append(after - before)
            if after - before >= size / 2 { break }
        }
        #expect(growths.contains { $0 >= size / 2 }, "growth per try: \(growths)")
    }
}
