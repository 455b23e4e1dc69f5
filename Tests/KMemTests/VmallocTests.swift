import CKMemShims
import Foundation
import Glibc
import Testing
@testable import KMem

/// A small vmalloc space (1 GiB of addresses) over the test machine, so parallel tests do not
/// crowd the process's mapping count.
func makeVmalloc(lazyMaxPages: Int? = nil, allocator: PageAllocator? = nil, reuseStaleMappings: Bool = true) throws -> Vmalloc {
    var configuration = Vmalloc.Configuration()
    configuration.rangeSize = 1 << 30
    configuration.lazyMaxPages = lazyMaxPages
    configuration.reuseStaleMappings = reuseStaleMappings
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

@Suite("vmalloc behaviour")
struct VmallocBehaviourTests {
    let page = PhysicalMemory.pageSize

    @Test("an access to the guard page faults, the last mapped byte does not")
    func guardPage() throws {
        let vmalloc = try makeVmalloc()
        let memory = try #require(try vmalloc.vmalloc(2 * page))
        #expect(kmem_shim_probe_access((memory + 2 * page - 1).assumingMemoryBound(to: UInt8.self), 1) == 0)
        #expect(kmem_shim_probe_access((memory + 2 * page).assumingMemoryBound(to: UInt8.self), 0) == SIGSEGV)
        try vmalloc.vfree(memory)
    }

    @Test("a purge runs when the lazy pages pass the limit, in one remap, and leaves no stale mapping")
    func lazyPurge() throws {
        let vmalloc = try makeVmalloc(lazyMaxPages: 64)
        // Held together, so no area can take over another's stale mapping.
        let areas = try (0..<40).map { _ in try #require(try vmalloc.vmalloc(page)) }
        // Each area is two pages with its guard; the 33rd free passes 64 and wakes the purge
        // worker, which runs off the caller: wait for it before freeing more.
        for (index, area) in areas.enumerated().prefix(33) {
            try vmalloc.vfree(area)
            if index < 32 { #expect(vmalloc.statistics().purges == 0, "after free \(index)") }
        }
        let deadline = Date().addingTimeInterval(10)
        while vmalloc.statistics().purges == 0 && Date() < deadline { usleep(1_000) }
        for area in areas.suffix(7) { try vmalloc.vfree(area) }
        let stats = vmalloc.statistics()
        #expect(stats.purges == 1)
        #expect(stats.purgedAreas == 33 && stats.purgeRemaps == 1 && stats.lazyAreas == 7)
        #expect(readable(areas[39]), "lazy, still mapped")
        #expect(!readable(areas[0]) && !readable(areas[32]), "purged")
        vmalloc.vmUnmapAliases()
        #expect(!readable(areas[39]) && vmalloc.statistics().lazyPages == 0)
        #expect(vmalloc.statistics().freeRanges == 1, "the free tree merged back into one range")
        #expect(vmalloc.allocator.isPristine)
    }

    @Test("vzalloc zeroes, vmap maps the caller's pages, vunmap leaves them")
    func vzallocAndVmap() throws {
        let vmalloc = try makeVmalloc()
        let allocator = vmalloc.allocator
        let dirty = try #require(try vmalloc.vmalloc(3 * page))
        dirty.initializeMemory(as: UInt8.self, repeating: 0xa5, count: 3 * page)
        try vmalloc.vfree(dirty)
        let zeroed = try #require(try vmalloc.vzalloc(3 * page))
        #expect(UnsafeRawBufferPointer(start: zeroed, count: 3 * page).allSatisfy { $0 == 0 })
        try vmalloc.vfree(zeroed)

        let pages = try (0..<3).map { _ in try #require(allocator.allocPage(.kernel)) }
        let mapped = try #require(try vmalloc.vmap(pages))
        for (index, page) in pages.enumerated() {
            allocator.pageAddress(page).storeBytes(of: UInt32(index + 7), as: UInt32.self)
            #expect(mapped.load(fromByteOffset: index * self.page, as: UInt32.self) == UInt32(index + 7))
            #expect(vmalloc.vmallocToPage(mapped + index * self.page) == page)
        }
        #expect(throws: KMemError.wrongVmRelease(UInt(bitPattern: mapped), mappedBy: "vmap")) { try vmalloc.vfree(mapped) }
        try vmalloc.vunmap(mapped)
        for page in pages { try allocator.freePages(page, order: 0) }
        #expect(allocator.isPristine)
    }

    @Test("vfree from hardirq defers to the worker; vmalloc from hardirq is a violation")
    func interruptContext() throws {
        let vmalloc = try makeVmalloc()
        let memory = try #require(try vmalloc.vmalloc(page))
        try Current.inHardirq { try vmalloc.vfree(memory) }
        #expect(throws: KMemError.vmallocDoubleFree(UInt(bitPattern: memory))) { try vmalloc.vfree(memory) }
        vmalloc.flushDeferredFrees()
        #expect(vmalloc.statistics().deferredFrees == 1 && vmalloc.statistics().areas == 0)
        #expect(vmalloc.allocator.sleepCheck.violations == 0)
        let late = try Current.inHardirq { try vmalloc.vmalloc(page, gfp: .atomic) }
        #expect(vmalloc.allocator.sleepCheck.violations == 1)
        try vmalloc.vfree(late)
    }

    @Test("bad input throws a clear error and changes nothing")
    func badInput() throws {
        let vmalloc = try makeVmalloc()
        let memory = try #require(try vmalloc.vmalloc(2 * page))
        memory.storeBytes(of: 0x1234, as: UInt64.self)
        let address = UInt(bitPattern: memory)
        let foreign = vmalloc.allocator.memory.base
        #expect(throws: KMemError.notVmallocAddress(UInt(bitPattern: foreign))) { try vmalloc.vfree(foreign) }
        #expect(throws: KMemError.vmallocInteriorAddress(address + 8, areaStart: address)) { try vmalloc.vfree(memory + 8) }
        #expect(throws: KMemError.nonexistentVmArea(address + 3 * UInt(page))) { try vmalloc.vfree(memory + 3 * page) }
        #expect(throws: KMemError.invalidVmallocSize(0, limit: vmalloc.size - page)) { try vmalloc.vmalloc(0) }
        #expect(throws: KMemError.invalidVmallocSize(vmalloc.size, limit: vmalloc.size - page)) { try vmalloc.vmalloc(vmalloc.size) }
        #expect(throws: KMemError.invalidAlignment(3 * page)) { try vmalloc.vmallocNode(page, align: 3 * page, node: 0) }
        #expect(throws: KMemError.invalidNode(1)) { try vmalloc.vmallocNode(page, node: 1) }
        #expect(try vmalloc.vmalloc(vmalloc.size / 2) == nil, "more than physical memory fails, not throws")
        #expect(memory.load(as: UInt64.self) == 0x1234 && vmalloc.statistics().areas == 1)
        try vmalloc.vfree(memory)
        #expect(throws: KMemError.vmallocDoubleFree(address)) { try vmalloc.vfree(memory) }
        vmalloc.vmUnmapAliases()
        #expect(throws: KMemError.nonexistentVmArea(address)) { try vmalloc.vfree(memory) }
        try vmalloc.vfree(nil)
        #expect(vmalloc.allocator.isPristine && vmalloc.statistics().freeRanges == 1)
        #expect(KMemError.vmallocInteriorAddress(address + 8, areaStart: address).description.contains("inside the vm area"))
    }

    @Test("vmallocinfo lists busy areas with their caller and lazy ones as unpurged")
    func vmallocinfo() throws {
        let vmalloc = try makeVmalloc()
        let kept = try #require(try vmalloc.vmalloc(3 * page))
        let freed = try #require(try vmalloc.vmalloc(page))
        try vmalloc.vfree(freed)
        let lines = vmalloc.vmallocinfo().split(separator: "\n")
        #expect(lines.count == 2)
        #expect(lines[0].hasSuffix("16384 KMemTests/VmallocTests.swift:\(#line - 5) pages=3 vmalloc N0=3"))
        #expect(lines[1].hasSuffix("8192 unpurged vm_area"))
        try vmalloc.vfree(kept)
    }
}

@Suite("vmap area tree")
struct VmapAreaTreeTests {
    @Test("first fit with alignment stays exact under random carving and merging", arguments: [1, 2])
    func randomCarving(seed: UInt64) throws {
        var space = VmapSpace(size: 1 << 30, frames: 1)
        var random = SeededGenerator(seed: seed)
        var held: [Int32] = []
        let page = PhysicalMemory.pageSize
        for _ in 0..<3000 {
            if held.isEmpty || Int.random(in: 0..<10, using: &random) < 6 {
                let align = page << Int.random(in: 0...4, using: &random)
                let size = page * Int.random(in: 1...16, using: &random)
                let found = space.allocate(size: size, align: align, base: 0)
                let node = try #require(found)
                #expect(space[node].start % align == 0 && space[node].size == size)
                held.append(node)
            } else {
                let node = held.remove(at: Int.random(in: 0..<held.count, using: &random))
                _ = space.busy.remove(start: space[node].start, in: space.nodes)
                space.release(node)
            }
        }
        // Free ranges: ordered, disjoint, never adjacent, and the augmentation is exact.
        var previousEnd = -1, largest = 0
        space.free.forEach(in: space.nodes) { node in
            #expect(space[node].start > previousEnd)
            previousEnd = space[node].end
            largest = max(largest, space[node].size)
        }
        #expect(space.free.largest(in: space.nodes) == largest)
        for node in held {
            _ = space.busy.remove(start: space[node].start, in: space.nodes)
            space.release(node)
        }
        #expect(space.free.count == 1 && space.free.largest(in: space.nodes) == 1 << 30 && space.busy.count == 0)
    }

    @Test("stale-mapping reuse is a switch: on, a vmalloc of the frames just freed maps nothing; off, it maps again")
    func staleReuseSwitch() throws {
        for reuse in [true, false] {
            let vmalloc = try makeVmalloc(reuseStaleMappings: reuse)
            let first = try #require(try vmalloc.vmalloc(4096))
            try vmalloc.vfree(first)
            let maps = vmalloc.statistics().mapCalls
            let second = try #require(try vmalloc.vmalloc(4096))
            #expect(vmalloc.statistics().mapCalls == maps + (reuse ? 0 : 1), "reuse \(reuse)")
            second.storeBytes(of: 42, as: Int.self)
            #expect(vmalloc.vmallocToPage(second).map { vmalloc.allocator.pageAddress($0).load(as: Int.self) } == 42)
            try vmalloc.vfree(second)
        }
    }
}
