/// The shared slab layer: taking objects from partial slabs (growing the cache when none has
/// any) and returning them, in bulk so that one list-lock acquisition serves a whole magazine.
extension KmemCache {
    /// Takes up to `count` objects into `buffer`; returns how many it took (fewer only when
    /// no new slab could be allocated with `gfp`).
    @usableFromInline func takeFromNode(into buffer: UnsafeMutablePointer<UnsafeMutableRawPointer>, count: Int, gfp: GFP,
                      caller: Caller) -> Int {
        if destroyed.load(ordering: .relaxed) { return refuseDestroyed(caller) }
        node.lock()
        var taken = takeFromPartial(into: buffer, count: count, caller: caller)
        node.unlock()
        while taken < count {
            guard let slab = allocateSlab(gfp) else { break }
            node.lock()
            node.add(slab, to: .partial, pages: descriptors)
            node.pointee.nrSlabs += 1
            node.pointee.freeObjects += Int(slab.pointee.objects)
            taken += takeFromPartial(into: buffer + taken, count: count - taken, caller: caller)
            node.unlock()
        }
        return taken
    }

    func refuseDestroyed(_ caller: Caller) -> Int {
        allocator.log.record(.warning, "WARNING: at \(caller.description): allocation from destroyed cache \(name)")
        return 0
    }

    /// One object for a caller without a per-CPU layer (or whose CPU slot was busy).
    @usableFromInline func allocateFromNode(_ gfp: GFP, caller: Caller) -> UnsafeMutableRawPointer? {
        var object = UnsafeMutableRawPointer(bitPattern: 1)!
        return takeFromNode(into: &object, count: 1, gfp: gfp, caller: caller) == 1 ? object : nil
    }

    /// get_partial + the freelist pops (list lock held).
    private func takeFromPartial(into buffer: UnsafeMutablePointer<UnsafeMutableRawPointer>, count: Int,
                                 caller: Caller) -> Int {
        node.pointee.listLock.assertHeld()
        var taken = 0
        while taken < count, node.pointee.partialHead >= 0 {
            let slab = descriptors + Int(node.pointee.partialHead)
            while taken < count, let object = slab.pointee.freelist {
                let next = isDebug ? checkedNext(of: object, in: slab) : freePointer(object)
                slab.pointee.freelist = UnsafeMutableRawPointer(bitPattern: next)
                slab.pointee.inuse += 1
                if isDebug { debugAllocate(object, in: slab, caller: caller) }
                buffer[taken] = object
                taken += 1
            }
            if slab.pointee.freelist == nil { node.move(slab, to: .full, pages: descriptors) }
        }
        node.pointee.freeObjects -= taken
        return taken
    }

    /// Returns `count` objects to their slabs. A slab that becomes empty goes back to the buddy
    /// allocator once the node already keeps min_partial partial slabs (a destroyed cache keeps
    /// none: its last objects are being freed). A debug cache checks
    /// each object first and keeps (leaks) one that fails, returning the first problem.
    @discardableResult
    @usableFromInline func returnToNode(_ objects: UnsafeMutablePointer<UnsafeMutableRawPointer>, count: Int,
                      caller: Caller) -> KMemError? {
        var discard: Int32 = -1 // emptied slabs, chained through `next` once off the lists
        var problem: KMemError?
        node.lock()
        for index in 0..<count {
            let object = objects[index]
            let slab = slabOf(object)!
            if isDebug, let error = debugFree(object, in: slab, caller: caller) {
                problem = problem ?? error
                continue
            }
            if slab.pointee.freelist == object {
                problem = problem ?? naiveDoubleFree(object, slab: slab)
                continue
            }
            let wasFull = slab.pointee.freelist == nil
            setFreePointer(object, slab.pointee.freelist)
            slab.pointee.freelist = object
            slab.pointee.inuse -= 1
            node.pointee.freeObjects += 1
            if slab.pointee.inuse == 0 && (node.pointee.nrPartial >= node.pointee.minPartial || isRetired) {
                node.remove(slab, pages: descriptors)
                node.pointee.nrSlabs -= 1
                node.pointee.freeObjects -= Int(slab.pointee.objects)
                slab.pointee.next = discard
                discard = Int32(slab - descriptors)
            } else if wasFull {
                // Few free objects: to the tail, as __slab_free adds a slab that was full.
                node.move(slab, to: .partial, pages: descriptors, atTail: true)
            }
        }
        node.unlock()
        while discard >= 0 {
            let slab = descriptors + Int(discard)
            discard = slab.pointee.next
            slab.pointee.next = -1
            discardSlab(slab)
        }
        return problem
    }

    /// Frees every empty slab, whatever min_partial says (kmem_cache_shrink). Returns the
    /// objects those slabs held.
    @discardableResult
    func discardEmptySlabs() -> Int {
        var empty: [PagePointer] = []
        node.lock()
        node.forEachSlab(pages: descriptors) { slab in
            if slab.pointee.inuse == 0 { empty.append(slab) }
        }
        var objects = 0
        for slab in empty {
            node.remove(slab, pages: descriptors)
            node.pointee.nrSlabs -= 1
            node.pointee.freeObjects -= Int(slab.pointee.objects)
            objects += Int(slab.pointee.objects)
        }
        node.unlock()
        for slab in empty { discardSlab(slab) }
        return objects
    }
}

/// Where an allocation or free came from, for owner tracking and reports.
public struct Caller: Sendable {
    public let file: StaticString
    public let line: UInt

    @inlinable public init(file: StaticString, line: UInt) {
        self.file = file
        self.line = line
    }

    public var description: String { "\(file):\(line)" }
}
