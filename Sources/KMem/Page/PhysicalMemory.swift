import CKMemShims
import Foundation

/// "Physical memory": a memfd of the configured size, mapped once as the direct map, plus one
/// page descriptor per frame. A pfn is a frame's index; its direct-map address is
/// base + pfn * pageSize.
public final class PhysicalMemory: @unchecked Sendable {
    // Immutable after init; the memory it maps is shared on purpose.
    public static let pageShift = 12
    public static let pageSize = 1 << pageShift
    public static let minimumSize = 16 << 20

    public let size: Int
    public let pageCount: Int
    public let base: UnsafeMutableRawPointer
    public let pages: PagePointer
    public let fileDescriptor: Int32

    /// Maps `size` bytes of memfd memory. The size must be a whole number of pages, at least
    /// 16 MiB, and no more than the machine's available memory.
    public init(size: Int) throws(KMemError) {
        let available = PhysicalMemory.availableBytes()
        guard size >= PhysicalMemory.minimumSize, size <= available else {
            throw .configuration(
                "physical memory size \(PhysicalMemory.formatBytes(size)) is outside the allowed range "
                + "\(PhysicalMemory.formatBytes(PhysicalMemory.minimumSize)) ... "
                + "\(PhysicalMemory.formatBytes(available)) (the machine's available memory)")
        }
        guard size % PhysicalMemory.pageSize == 0 else {
            throw .configuration("physical memory size \(size) is not a multiple of the 4 KiB page size")
        }
        let fd = kmem_shim_memfd_create("kmem-physical")
        guard fd >= 0 else { throw .system("memfd_create failed: \(String(cString: strerror(errno)))") }
        guard ftruncate(fd, off_t(size)) == 0 else {
            let message = String(cString: strerror(errno))
            close(fd)
            throw .system("ftruncate of the physical-memory memfd to \(size) bytes failed: \(message)")
        }
        let mapped = mmap(nil, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0)
        guard let mapped, mapped != MAP_FAILED else {
            let message = String(cString: strerror(errno))
            close(fd)
            throw .system("mmap of \(size) bytes of physical memory failed: \(message)")
        }
        let count = size / PhysicalMemory.pageSize
        // Cache-line aligned, so that each descriptor's slab pair is 16-byte aligned.
        let descriptors = UnsafeMutableRawPointer.allocate(byteCount: count * MemoryLayout<Page>.stride, alignment: 64)
            .bindMemory(to: Page.self, capacity: count)
        for pfn in 0..<count { (descriptors + pfn).initialize(to: Page()) }
        let pairOffset = withUnsafeMutablePointer(to: &descriptors.pointee.freelist) { UnsafeMutableRawPointer($0) }
            - UnsafeMutableRawPointer(descriptors)
        precondition(MemoryLayout<Page>.stride == 64 && pairOffset == Page.slabPairOffset,
                     "struct page layout: stride \(MemoryLayout<Page>.stride), slab pair at \(pairOffset)")

        self.size = size
        self.pageCount = count
        self.base = mapped
        self.pages = descriptors
        self.fileDescriptor = fd
    }

    deinit {
        pages.deinitialize(count: pageCount)
        UnsafeMutableRawPointer(pages).deallocate()
        munmap(base, size)
        close(fileDescriptor)
    }

    @inlinable public func page(_ pfn: Int) -> PagePointer { pages + pfn }

    @inlinable public func pfn(of page: PagePointer) -> Int { page - pages }

    /// page_address: the direct-map address of a page.
    @inlinable public func address(of page: PagePointer) -> UnsafeMutableRawPointer {
        base + (page - pages) << PhysicalMemory.pageShift
    }

    @inlinable public func address(ofPfn pfn: Int) -> UnsafeMutableRawPointer {
        base + pfn << PhysicalMemory.pageShift
    }

    /// Whether `address` lies in the direct map.
    @inlinable public func contains(_ address: UnsafeRawPointer) -> Bool {
        let offset = UInt(bitPattern: address - UnsafeRawPointer(base))
        return offset < UInt(size)
    }

    /// virt_to_pfn, with a clear error for anything outside the direct map.
    @inlinable public func pfn(of address: UnsafeRawPointer) throws(KMemError) -> Int {
        guard contains(address) else { throw .notDirectMapAddress(UInt(bitPattern: address)) }
        return (address - UnsafeRawPointer(base)) >> PhysicalMemory.pageShift
    }

    /// virt_to_page: the descriptor of the frame holding any direct-map address.
    @inlinable public func virtToPage(_ address: UnsafeRawPointer) throws(KMemError) -> PagePointer {
        pages + (try pfn(of: address))
    }

    /// MemAvailable from /proc/meminfo, or physical RAM if that cannot be read.
    public static func availableBytes() -> Int {
        if let text = try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8),
           let line = text.split(separator: "\n").first(where: { $0.hasPrefix("MemAvailable:") }),
           let kb = line.split(separator: " ").dropFirst().first.flatMap({ Int($0) }) {
            return kb * 1024
        }
        return Int(ProcessInfo.processInfo.physicalMemory)
    }

    public static func formatBytes(_ bytes: Int) -> String {
        if bytes >= 1 << 30, bytes % (1 << 30) == 0 { return "\(bytes >> 30) GiB" }
        if bytes >= 1 << 20 { return "\(bytes >> 20) MiB" }
        if bytes >= 1 << 10 { return "\(bytes >> 10) KiB" }
        return "\(bytes) B"
    }
}
