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
            allocator.deallocate(block)
        }
    }

    @Test(arguments: BaselineAllocator.allCases)
    func reallocKeepsContents(_ which: BaselineAllocator) {
        guard let allocator = loadedOrSkipped(which), var block = allocator.allocate(size: 4096) else { return }
        block.initializeMemory(as: UInt8.self, repeating: 0x5A, count: 4096)
        for size in [16384, 4096, 8192] {
            guard let moved = allocator.functions.realloc(block, size) else {
                Issue.record("\(which) realloc to \(size) returned nil")
                return
            }
            #expect(moved.load(fromByteOffset: 4095, as: UInt8.self) == 0x5A)
            block = moved
        }
        allocator.deallocate(block)
    }

    @Test(arguments: BaselineAllocator.allCases, [64, 4096])
    func alignedAllocationIsAligned(_ which: BaselineAllocator, alignment: Int) {
        guard let allocator = loadedOrSkipped(which) else { return }
        // Sizes below, at and above the alignment, many times, so a free that took the block
        // for another kind would corrupt the allocator and show up here.
        for _ in 0..<1000 {
            for size in [24, alignment, 3 * alignment + 8] {
                guard let block = allocator.allocateAligned(size: size, alignment: alignment) else {
                    Issue.record("\(which) returned nil for \(size) bytes aligned to \(alignment)")
                    return
                }
                #expect(Int(bitPattern: block) % alignment == 0)
                block.initializeMemory(as: UInt8.self, repeating: 1, count: size)
                allocator.deallocate(block)
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
        jemalloc.deallocate(block)
    }
}
