/// kvmalloc and friends (mm/util.c): physically contiguous memory from kmalloc when it comes
/// easily, virtually contiguous memory from vmalloc when it does not.
extension Kernel {
    /// INT_MAX: kvmalloc refuses anything larger.
    public static let kvmallocMaxSize = Int(Int32.max)

    /// kmalloc_gfp_adjust: above one page, kmalloc is only a quick try: no warning, no direct
    /// reclaim (unless the caller asked for __GFP_RETRY_MAYFAIL), never __GFP_NOFAIL.
    static func kmallocAttempt(_ gfp: GFP, size: Int) -> GFP {
        guard size > PhysicalMemory.pageSize else { return gfp }
        var flags = gfp.union(.nowarn)
        if !gfp.contains(.retryMayfail) { flags.remove(.directReclaim); flags.insert(.noretry) }
        flags.remove(.nofail)
        return flags
    }

    /// kvmalloc: kmalloc first; a request of one page or less never falls back; larger ones
    /// fall back to vmalloc with the caller's flags. Size 0 gives ZERO_SIZE_PTR, anything
    /// above INT_MAX nil with a warning.
    public func kvmalloc(_ size: Int, _ gfp: GFP, file: StaticString = #fileID, line: UInt = #line) throws(KMemError) -> UnsafeMutableRawPointer? {
        guard size <= Kernel.kvmallocMaxSize else {
            if !gfp.contains(.nowarn) {
                log.record(.warning, "WARNING: at \(file):\(line): kvmalloc of \(size) bytes exceeds INT_MAX")
            }
            return nil
        }
        if let object = slab.kmalloc(size, Kernel.kmallocAttempt(gfp, size: size), file: file, line: line) { return object }
        guard size > PhysicalMemory.pageSize,
              gfp.allowsBlocking || slab.configuration.profile.vmallocServesNonBlocking else { return nil }
        return try vmalloc.vmalloc(size, gfp: gfp, file: file, line: line)
    }

    /// kvzalloc.
    public func kvzalloc(_ size: Int, _ gfp: GFP, file: StaticString = #fileID, line: UInt = #line) throws(KMemError) -> UnsafeMutableRawPointer? {
        try kvmalloc(size, gfp.union(.zero), file: file, line: line)
    }

    /// kvmalloc_array: nil (with a warning) when count * size overflows.
    public func kvmallocArray(_ count: Int, _ size: Int, _ gfp: GFP, file: StaticString = #fileID, line: UInt = #line) throws(KMemError) -> UnsafeMutableRawPointer? {
        let bytes = arraySize(count, size)
        guard bytes != Int.max else { return slab.rejectOverflow("kvmalloc_array(\(count), \(size))", gfp, file: file, line: line) }
        return try kvmalloc(bytes, gfp, file: file, line: line)
    }

    /// kvcalloc.
    public func kvcalloc(_ count: Int, _ size: Int, _ gfp: GFP, file: StaticString = #fileID, line: UInt = #line) throws(KMemError) -> UnsafeMutableRawPointer? {
        try kvmallocArray(count, size, gfp.union(.zero), file: file, line: line)
    }

    /// kvfree: vfree for vmalloc addresses, kfree for the rest.
    public func kvfree(_ pointer: UnsafeMutableRawPointer?, file: StaticString = #fileID, line: UInt = #line) throws(KMemError) {
        guard let pointer else { return }
        if vmalloc.isVmallocAddr(pointer) {
            try vmalloc.vfree(pointer, file: file, line: line)
        } else {
            try slab.kfree(pointer, file: file, line: line)
        }
    }

    /// kvrealloc: vrealloc for vmalloc memory; krealloc (with kvmalloc's quick-try flags) for
    /// kmalloc memory, falling back to a fresh kvmalloc and a copy. On failure the old memory
    /// is untouched and nil is returned.
    public func kvrealloc(_ pointer: UnsafeMutableRawPointer?, _ size: Int, _ gfp: GFP,
                          file: StaticString = #fileID, line: UInt = #line) throws(KMemError) -> UnsafeMutableRawPointer? {
        if let pointer, vmalloc.isVmallocAddr(pointer) {
            return try vmalloc.vrealloc(pointer, size, gfp: gfp, file: file, line: line)
        }
        if let moved = try slab.krealloc(pointer, size, Kernel.kmallocAttempt(gfp, size: size), file: file, line: line) {
            return moved
        }
        guard let fresh = try kvmalloc(size, gfp, file: file, line: line) else { return nil }
        if let pointer {
            fresh.copyMemory(from: pointer, byteCount: min(try slab.ksize(pointer), size))
            try slab.kfree(pointer, file: file, line: line)
        }
        return fresh
    }
}
