@testable import KMemBaselines
import Testing

@Suite struct LoadingTests {
    @Test(arguments: BaselineAllocator.allCases)
    func allocatesWritesAndFrees(_ which: BaselineAllocator) {
        guard let allocator = loadedOrSkipped(which) else { return }
        for size in [1, 16, 64, 256, 4096, 100_000, 1 << 20] {
            guard let block = allocator.allocate(size: size) else {
                Issue.record("\(which) returned nil for \(size) bytes")
                continue
            }
            block.initializeMemory(as: UInt8.self, repeating: 0xA5, count: size)
            #expect(block.load(fromByteOffset: size - 1, as: UInt8.self) == 0xA5)
            allocator.deallocate(block, size: size)
            guard let unsized = allocator.allocate(size: size) else { continue }
            allocator.deallocate(unsized)
        }
    }

    @Test(arguments: BaselineAllocator.allCases, [64, 4096])
    func alignedAllocationIsAligned(_ which: BaselineAllocator, alignment: Int) {
        guard let allocator = loadedOrSkipped(which) else { return }
        // Sizes below, at and above the alignment, many times, so a mismatched sized free
        // would corrupt the allocator and show up here.
        for _ in 0..<1000 {
            for size in [24, alignment, 3 * alignment + 8] {
                guard let block = allocator.allocateAligned(size: size, alignment: alignment) else {
                    Issue.record("\(which) returned nil for \(size) bytes aligned to \(alignment)")
                    return
                }
                #expect(Int(bitPattern: block) % alignment == 0)
                block.initializeMemory(as: UInt8.self, repeating: 1, count: size)
                allocator.deallocateAligned(block, size: size, alignment: alignment)
            }
        }
    }

    @Test func loadReturnsOneInstancePerAllocator() {
        guard let first = loadedOrSkipped(.glibc), let second = loadedOrSkipped(.glibc) else { return }
        #expect(first === second)
    }

    @Test func missingLibraryNamesTheDebianPackage() {
        #expect(throws: BaselineLoadError.notInstalled(.jemalloc, library: "libjemalloc-missing.so.2")) {
            _ = try BaselineAllocator.loadUncached(.jemalloc, libraryName: "libjemalloc-missing.so.2")
        }
        let error = BaselineLoadError.notInstalled(.jemalloc, library: "libjemalloc.so.2")
        #expect(error.description
            == "jemalloc is not installed: libjemalloc.so.2 not found (install the Debian package libjemalloc2)")
    }

    @Test func staticTLSFailureNamesTheTunable() {
        let error = BaselineAllocator.classifyLoadFailure(
            .jemalloc, libraryName: "libjemalloc.so.2",
            message: "/lib/x86_64-linux-gnu/libjemalloc.so.2: cannot allocate memory in static TLS block")
        guard case .staticTLSExhausted = error else {
            Issue.record("classified as \(error)")
            return
        }
        #expect(error.description.contains("GLIBC_TUNABLES=glibc.rtld.optional_static_tls=16384"))
    }

    /// In-process jemalloc either loads (the tunable was set at start) or explains itself.
    @Test(.enabled(if: BaselineAllocator.jemalloc.isInstalled))
    func jemallocLoadsOrAsksForStaticTLS() throws {
        let jemalloc: LoadedAllocator
        do {
            jemalloc = try BaselineAllocator.load(.jemalloc)
        } catch {
            guard case .staticTLSExhausted = error else { throw error }
            #expect(error.description.contains(StaticTLS.tunable))
            return
        }
        let block = try #require(jemalloc.allocate(size: 64))
        jemalloc.deallocate(block, size: 64)
    }
}
