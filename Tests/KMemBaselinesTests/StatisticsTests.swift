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
        guard let allocator = loadedOrSkipped(which),
              let before = allocator.statistics().allocatedBytes else { return }
        let size = 1 << 20
        let block = try #require(allocator.allocate(size: size))
        defer { allocator.deallocate(block) }
        let after = try #require(allocator.statistics().allocatedBytes)
        // glibc's figures cover the whole process, and other tests run concurrently:
        // allow for them freeing up to half of the mebibyte meanwhile.
        #expect(after - before >= size / 2)
    }
}
