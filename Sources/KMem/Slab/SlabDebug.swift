import CKMemShims

/// slab_debug: red zones (Z), poisoning (P), consistency checks at free (F) and owner
/// tracking (U), with the kernel's byte values and report shape. Debug caches run without a
/// per-CPU layer, so every check here runs under the node's list lock.
enum SlabPoison {
    static let redInactive: UInt8 = 0xbb
    static let redActive: UInt8 = 0xcc
    static let free: UInt8 = 0x6b
    static let end: UInt8 = 0xa5
}

extension KmemCache {
    var poisonsObjects: Bool { flags.contains(.poison) && constructor == nil }
    var keepsOrigSize: Bool { layout.origSizeOffset >= 0 }

    func initializeDebugSlab(_ slab: PagePointer, count: Int) {
        for index in 0..<count {
            let current = object(at: index, in: slab)
            initObject(current, active: false)
            if keepsOrigSize { setOrigSize(current, layout.objectSize) }
            if layout.trackOffset >= 0 {
                (current + layout.trackOffset).initializeMemory(as: UInt8.self, repeating: 0,
                                                                count: 2 * SlabLayout.trackSize)
            }
        }
    }

    /// init_object: red zones to the active or inactive value; a free object is poisoned.
    func initObject(_ object: UnsafeMutableRawPointer, active: Bool) {
        let value = active ? SlabPoison.redActive : SlabPoison.redInactive
        if flags.contains(.redZone) {
            fill(object - layout.redLeftPad, layout.redLeftPad, value)
            fill(object + layout.objectSize, layout.inuse - layout.objectSize, value)
            if active && keepsOrigSize {
                let requested = origSize(object)
                fill(object + requested, layout.objectSize - requested, value)
            }
        }
        if poisonsObjects && !active {
            fill(object, layout.objectSize - 1, SlabPoison.free)
            object.storeBytes(of: SlabPoison.end, toByteOffset: layout.objectSize - 1, as: UInt8.self)
        }
    }

    func fill(_ start: UnsafeMutableRawPointer, _ count: Int, _ value: UInt8) {
        if count > 0 { start.initializeMemory(as: UInt8.self, repeating: value, count: count) }
    }

    /// check_object: the red zones (and, for a free object, the poison) as they should be.
    /// Each overwritten area is reported and restored. Returns the problems found.
    func checkObject(_ object: UnsafeMutableRawPointer, in slab: PagePointer, active: Bool) -> Int {
        let value = active ? SlabPoison.redActive : SlabPoison.redInactive
        var problems = 0
        if flags.contains(.redZone) {
            problems += checkBytes(object, slab, "Left Redzone", object - layout.redLeftPad, value, layout.redLeftPad)
            problems += checkBytes(object, slab, "Right Redzone", object + layout.objectSize, value,
                                   layout.inuse - layout.objectSize)
            if active && keepsOrigSize {
                let requested = origSize(object)
                problems += checkBytes(object, slab, "kmalloc Redzone", object + requested, value,
                                       layout.objectSize - requested)
            }
        }
        if poisonsObjects && !active {
            problems += checkBytes(object, slab, "Poison", object, SlabPoison.free, layout.objectSize - 1)
            problems += checkBytes(object, slab, "End Poison", object + layout.objectSize - 1, SlabPoison.end, 1)
        }
        return problems
    }

    /// check_bytes_and_report: 0 if the area holds `value` throughout, else reports the first
    /// and last wrong byte, restores the area and returns 1.
    func checkBytes(_ object: UnsafeMutableRawPointer, _ slab: PagePointer, _ what: String,
                    _ start: UnsafeMutableRawPointer, _ value: UInt8, _ count: Int) -> Int {
        let bytes = UnsafeMutableRawBufferPointer(start: start, count: max(count, 0))
        guard let first = bytes.firstIndex(where: { $0 != value }) else { return 0 }
        let last = bytes.lastIndex(where: { $0 != value })!
        reportBug("\(what) overwritten", object: object, slab: slab, detail: """
            0x\(hex(start + first))-0x\(hex(start + last)) @offset=\(start + first - slabAddress(slab)). \
            First byte 0x\(String(bytes[first], radix: 16)) instead of 0x\(String(value, radix: 16))
            \(hexDump(start, count: count))
            FIX \(name): Restoring \(what) 0x\(hex(start + first))-0x\(hex(start + last))=0x\(String(value, radix: 16))
            """)
        fill(start, count, value)
        return 1
    }

    /// The next object on a freelist, checked: a corrupt free pointer is reported and the
    /// freelist cut there (the objects past it are lost to the slab, as in the kernel).
    func checkedNext(of object: UnsafeMutableRawPointer, in slab: PagePointer) -> UInt {
        let next = freePointer(object)
        guard next != 0 else { return 0 }
        if let candidate = UnsafeMutableRawPointer(bitPattern: next), slabOf(candidate) == slab,
           objectIndex(candidate, in: slab) != nil {
            return next
        }
        reportBug("Freepointer corrupt", object: object, slab: slab, detail: """
            Freechain corrupt: object 0x\(hex(object)) points to 0x\(String(next, radix: 16)), not an object of this slab
            FIX \(name): Freelist cut after 0x\(hex(object))
            """)
        setFreePointer(object, nil)
        return 0
    }

    func debugAllocate(_ object: UnsafeMutableRawPointer, in slab: PagePointer, caller: Caller) {
        _ = checkObject(object, in: slab, active: false)
        if keepsOrigSize { setOrigSize(object, layout.objectSize) }
        initObject(object, active: true)
        storeTrack(object, free: false, caller: caller)
    }

    /// free_debug_processing: an object already on its slab's freelist, or whose red zones were
    /// overwritten, is reported and not freed (left allocated, so nothing reuses bad memory).
    func debugFree(_ object: UnsafeMutableRawPointer, in slab: PagePointer, caller: Caller) -> KMemError? {
        if onFreelist(object, slab) {
            reportBug("Object already free", object: object, slab: slab,
                      detail: "FIX \(name): Object at 0x\(hex(object)) not freed")
            return .objectAlreadyFree(address: UInt(bitPattern: object), cache: name)
        }
        if flags.contains(.consistencyChecks) || flags.contains(.redZone),
           checkObject(object, in: slab, active: true) > 0 {
            allocator.log.record(.slabBug, "FIX \(name): Object at 0x\(hex(object)) not freed")
            return .slabCorruption(cache: name, problem: "object 0x\(hex(object)) was damaged (see the kernel log); not freed")
        }
        initObject(object, active: false)
        storeTrack(object, free: true, caller: caller)
        return nil
    }

    /// on_freelist: whether `object` is on its slab's freelist (a bounded walk).
    func onFreelist(_ object: UnsafeMutableRawPointer, _ slab: PagePointer) -> Bool {
        var current = slab.pointee.freelist
        var steps = 0
        while let free = current, steps <= Int(slab.pointee.objects) {
            if free == object { return true }
            current = UnsafeMutableRawPointer(bitPattern: checkedNext(of: free, in: slab))
            steps += 1
        }
        return false
    }

    /// validate_slab_cache: every object of every slab checked as free or in use, each
    /// freelist walked, and each slab's in-use count compared with what was found (a wrong
    /// count is reported and corrected). Returns the problems found.
    public func validate() -> Int {
        var problems = 0
        let before = allocator.log.count(.slabBug)
        node.lock()
        node.forEachSlab(pages: descriptors) { slab in problems += validateSlab(slab) }
        node.unlock()
        return max(problems, allocator.log.count(.slabBug) - before)
    }

    private func validateSlab(_ slab: PagePointer) -> Int {
        let count = Int(slab.pointee.objects)
        var free = [Bool](repeating: false, count: count)
        var current = slab.pointee.freelist
        var found = 0
        while let object = current, found < count, let index = objectIndex(object, in: slab), !free[index] {
            free[index] = true
            found += 1
            current = UnsafeMutableRawPointer(bitPattern: checkedNext(of: object, in: slab))
        }
        var problems = 0
        for index in 0..<count { problems += checkObject(object(at: index, in: slab), in: slab, active: !free[index]) }
        if Int(slab.pointee.inuse) != count - found {
            reportBug("Wrong object count", object: nil, slab: slab, detail: """
                Wrong object count. Counter is \(slab.pointee.inuse) but counted were \(count - found)
                FIX \(name): Object count adjusted
                """)
            node.pointee.freeObjects += Int(slab.pointee.inuse) - (count - found)
            slab.pointee.inuse = UInt32(count - found)
            problems += 1
        }
        return problems
    }

    // MARK: owner tracking (U) and kmalloc's requested size

    /// A track record: call-site file (a C string), line, thread id and CPU, time.
    func storeTrack(_ object: UnsafeMutableRawPointer, free: Bool, caller: Caller) {
        guard layout.trackOffset >= 0 else { return }
        let track = object + layout.trackOffset + (free ? SlabLayout.trackSize : 0)
        track.storeBytes(of: UInt(bitPattern: caller.file.utf8Start), as: UInt.self)
        track.storeBytes(of: caller.line, toByteOffset: 8, as: UInt.self)
        track.storeBytes(of: Current.pid, toByteOffset: 16, as: Int32.self)
        track.storeBytes(of: Int32(CPU.current), toByteOffset: 20, as: Int32.self)
        track.storeBytes(of: kmem_shim_monotonic_ns(), toByteOffset: 24, as: UInt64.self)
    }

    func trackDescription(_ object: UnsafeMutableRawPointer) -> String {
        guard layout.trackOffset >= 0 else { return "" }
        return [false, true].compactMap { free -> String? in
            let track = object + layout.trackOffset + (free ? SlabLayout.trackSize : 0)
            guard let file = UnsafePointer<CChar>(bitPattern: track.load(as: UInt.self)) else { return nil }
            let line = track.load(fromByteOffset: 8, as: UInt.self)
            let pid = track.load(fromByteOffset: 16, as: Int32.self)
            let cpu = track.load(fromByteOffset: 20, as: Int32.self)
            let time = track.load(fromByteOffset: 24, as: UInt64.self)
            return "\(free ? "Freed" : "Allocated") in \(String(cString: file)):\(line) age=\((kmem_shim_monotonic_ns() &- time) / 1_000_000)ms cpu=\(cpu) pid=\(pid)"
        }.joined(separator: "\n")
    }

    func setOrigSize(_ object: UnsafeMutableRawPointer, _ size: Int) {
        object.storeBytes(of: size, toByteOffset: layout.origSizeOffset, as: Int.self)
    }

    /// slab_ksize.
    var usableSize: Int {
        if flags.contains(.redZone) || flags.contains(.poison) { return layout.objectSize }
        if flags.contains(.storeUser) { return layout.inuse }
        return layout.size
    }

    func origSize(_ object: UnsafeMutableRawPointer) -> Int {
        keepsOrigSize ? object.load(fromByteOffset: layout.origSizeOffset, as: Int.self) : layout.objectSize
    }

    // MARK: reports

    /// slab_bug: the kernel's report, with the object's bytes and owners.
    @usableFromInline
    func reportBug(_ problem: String, object: UnsafeMutableRawPointer?, slab: PagePointer, detail: String) {
        var lines = [String(repeating: "=", count: 77),
                     "BUG \(name) (Not tainted): \(problem)",
                     String(repeating: "-", count: 77), detail,
                     "Slab 0x\(hex(slabAddress(slab))) objects=\(slab.pointee.objects) used=\(slab.pointee.inuse) "
                         + "fp=0x\(hex(slab.pointee.freelist)) flags=\(flags.debugOptions)"]
        if let object {
            lines.append("Object 0x\(hex(object)) @offset=\(object - slabAddress(slab))")
            lines.append(hexDump(object, count: min(layout.objectSize, 64)))
            let tracks = trackDescription(object)
            if !tracks.isEmpty { lines.append(tracks) }
        }
        allocator.log.record(.slabBug, lines.joined(separator: "\n"))
    }

    func hex(_ pointer: UnsafeRawPointer?) -> String { String(UInt(bitPattern: pointer), radix: 16) }

    func hexDump(_ start: UnsafeRawPointer, count: Int) -> String {
        stride(from: 0, to: max(count, 0), by: 16).map { offset in
            let row = (offset..<min(offset + 16, count)).map {
                let byte = start.load(fromByteOffset: $0, as: UInt8.self)
                return (byte < 16 ? "0" : "") + String(byte, radix: 16)
            }
            return "\(hex(start + offset)): " + row.joined(separator: " ")
        }.joined(separator: "\n")
    }
}
