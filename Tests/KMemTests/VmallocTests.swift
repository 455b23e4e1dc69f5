import CKMemShims
import Glibc
import Testing
@testable import KMem

/// A small vmalloc space (1 GiB of addresses) over the test machine, so parallel tests do not
/// crowd the process's mapping count.
func makeVmalloc(lazyMaxPages: Int? = nil, allocator: PageAllocator? = nil) throws -> Vmalloc {
    var configuration = Vmalloc.Configuration()
    configuration.rangeSize = 1 << 30
    configuration.lazyMaxPages = lazyMaxPages
    return try Vmalloc(allocator: allocator ?? makeAllocator(), configuration: configuration)
}

/// Whether one byte can be read at `address` (checked in a child process).
func readable(_ address: UnsafeMutableRawPointer) -> Bool {
    kmem_shim_probe_access(address.assumingMemoryBound(to: UInt8.self), 0) == 0
}

@Suite("vmalloc")
struct VmallocTests {
    @Test("a write through the vmalloc address is read back through the direct map of each page")
    func directMapAgrees() throws {
        let vmalloc = try makeVmalloc()
        let pages = 37
        let memory = try #require(try vmalloc.vmalloc(pages * PhysicalMemory.pageSize))
        #expect(vmalloc.isVmallocAddr(memory) && !vmalloc.isVmallocAddr(vmalloc.allocator.memory.base))
        for index in 0..<pages {
            (memory + index * PhysicalMemory.pageSize + 8).storeBytes(of: UInt64(index) &* 0x9E37, as: UInt64.self)
        }
        for index in 0..<pages {
            let page = try #require(vmalloc.vmallocToPage(memory + index * PhysicalMemory.pageSize + 100))
            let direct = vmalloc.allocator.pageAddress(page)
            #expect(direct.load(fromByteOffset: 8, as: UInt64.self) == UInt64(index) &* 0x9E37)
        }
        #expect(vmalloc.vmallocToPage(memory + pages * PhysicalMemory.pageSize) == nil, "guard page")
        #expect(vmalloc.statistics().vmallocPages == pages)
        try vmalloc.vfree(memory)
        #expect(vmalloc.statistics().vmallocPages == 0)
    }
}
