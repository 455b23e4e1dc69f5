import Glibc

/// The vmalloc address space's bookkeeping: the vmap_area nodes and the three trees the kernel
/// keeps them in (free ranges, busy areas, lazily freed areas waiting for a purge).
///
/// Guarded by Vmalloc.lock. Invariants: free, busy and lazy ranges never overlap and together
/// with the areas being carved cover the range; adjacent free ranges are always merged; node
/// indices stay valid while the node array grows (only its base moves).
struct VmapSpace: ~Copyable {
    private(set) var nodes: UnsafeMutablePointer<VmapArea>
    private var capacity: Int
    private var used = 0
    /// Released nodes, linked through `left`.
    private var freeNode: Int32 = -1
    private var random = SeededRandom(seed: 0x766d_616c_6c6f_63)
    var free = VmapAreaTree(augmented: true)
    var busy = VmapAreaTree(augmented: false)
    var lazy = VmapAreaTree(augmented: false)
    /// vmap_lazy_nr: pages (guard pages included) of the areas in the lazy tree.
    var lazyPages = 0
    /// Per frame: the lazy vmalloc area whose stale mapping was the last to map it, or -1.
    /// Lets a new vmalloc that is handed the same frames take that area over unmapped.
    private let staleOwner: UnsafeMutablePointer<Int32>
    private let frames: Int

    init(size: Int, frames: Int) {
        capacity = 64
        nodes = .allocate(capacity: capacity)
        self.frames = frames
        staleOwner = .allocate(capacity: frames)
        staleOwner.initialize(repeating: -1, count: frames)
        free.insert(newNode(start: 0, end: size), in: nodes)
    }

    deinit {
        for index in 0..<used { nodes[index].pfns?.deallocate() }
        nodes.deallocate()
        staleOwner.deallocate()
    }

    subscript(_ node: Int32) -> VmapArea {
        get { nodes[Int(node)] }
        nonmutating _modify { yield &nodes[Int(node)] }
    }

    // MARK: alloc_vmap_area and its inverse

    /// Carves `size` bytes aligned to `align` (absolute, for addresses starting at `base`)
    /// from the lowest free range that holds them, and returns it as a busy node.
    mutating func allocate(size: Int, align: Int, base: Int) -> Int32? {
        let length = align > PhysicalMemory.pageSize ? size + align - 1 : size
        // The search reads a copy of the base: carving below may grow (move) the node array.
        let current = nodes
        guard let match = free.lowestMatch(length: length, in: current, fits: { node in
            VmapSpace.alignedStart(current[Int(node)], align: align, base: base) + size <= current[Int(node)].end
        }) else { return nil }
        let start = VmapSpace.alignedStart(self[match], align: align, base: base)
        let area = carve(match, start: start, end: start + size)
        busy.insert(area, in: nodes)
        return area
    }

    /// merge_or_add_vmap_area: the node's range becomes free, merged with free neighbours.
    mutating func release(_ node: Int32) {
        self[node].pfns?.deallocate()
        self[node].pfns = nil
        var start = self[node].start, end = self[node].end
        if let next = free.remove(start: end, in: nodes) {
            end = self[next].end
            releaseNode(next)
        }
        if let previous = free.floor(start - 1, in: nodes), self[previous].end == start {
            start = self[previous].start
            self[previous].end = end
            free.refresh(start: start, in: nodes)
            releaseNode(node)
            return
        }
        self[node].start = start
        self[node].end = end
        free.insert(node, in: nodes)
    }

    // MARK: lazy areas

    /// A busy area becomes lazy: its mapping stays until the next purge. A vmalloc area keeps
    /// its frame list so the stale mapping can be found by frame (and taken over).
    mutating func makeLazy(_ node: Int32) {
        lazy.insert(node, in: nodes)
        lazyPages += self[node].size >> PhysicalMemory.pageShift
        self[node].flags.insert(.lazy)
        guard self[node].flags.contains(.alloc), let pfns = self[node].pfns else { return }
        for index in 0..<self[node].pageCount { staleOwner[Int(pfns[index])] = node }
    }

    /// A lazy vmalloc area whose stale mapping maps exactly the `count` frames in `pfns` (in
    /// some order), with the size and alignment asked for; it leaves the lazy tree for the
    /// busy tree, mapped already. Every frame naming the same owner means the sets are equal:
    /// the owner maps `count` distinct frames.
    mutating func takeOverLazy(_ pfns: UnsafeMutablePointer<Int32>, count: Int, size: Int, align: Int,
                               base: Int) -> Int32? {
        let owner = staleOwner[Int(pfns[0])]
        guard owner >= 0, self[owner].size == size, self[owner].pageCount == count,
              (base + self[owner].start) % align == 0,
              (0..<count).allSatisfy({ staleOwner[Int(pfns[$0])] == owner }) else { return nil }
        _ = lazy.remove(start: self[owner].start, in: nodes)
        lazyPages -= size >> PhysicalMemory.pageShift
        forgetStale(owner)
        self[owner].flags.remove(.lazy)
        busy.insert(owner, in: nodes)
        return owner
    }

    /// The node's stale mapping is gone (purged or taken over): no frame names it any more.
    mutating func forgetStale(_ node: Int32) {
        guard let pfns = self[node].pfns else { return }
        for index in 0..<self[node].pageCount where staleOwner[Int(pfns[index])] == node {
            staleOwner[Int(pfns[index])] = -1
        }
    }

    /// The busy node containing `offset`, if any.
    func busyArea(containing offset: Int) -> Int32? {
        guard let node = busy.floor(offset, in: nodes), offset < self[node].end else { return nil }
        return node
    }

    // MARK: nodes

    private static func alignedStart(_ range: VmapArea, align: Int, base: Int) -> Int {
        (base + range.start + align - 1) / align * align - base
    }

    /// Splits [start, end) off free node `match` (the kernel's FL/LE/RE/NE fit types) and
    /// returns a node for it, outside every tree.
    private mutating func carve(_ match: Int32, start: Int, end: Int) -> Int32 {
        let range = self[match]
        if range.start == start && range.end == end {
            return free.remove(start: start, in: nodes)!
        }
        if range.start == start {
            self[match].start = end
        } else {
            self[match].end = start
            if end < range.end { free.insert(newNode(start: end, end: range.end), in: nodes) }
        }
        free.refresh(start: self[match].start, in: nodes)
        return newNode(start: start, end: end)
    }

    mutating func newNode(start: Int, end: Int) -> Int32 {
        let node: Int32
        if freeNode >= 0 {
            node = freeNode
            freeNode = self[node].left
        } else {
            if used == capacity { grow() }
            node = Int32(used)
            used += 1
        }
        nodes[Int(node)] = VmapArea(start: start, end: end, priority: UInt32(truncatingIfNeeded: random.next()))
        return node
    }

    private mutating func releaseNode(_ node: Int32) {
        self[node].left = freeNode
        freeNode = node
    }

    private mutating func grow() {
        let larger = UnsafeMutablePointer<VmapArea>.allocate(capacity: capacity * 2)
        larger.moveInitialize(from: nodes, count: used)
        nodes.deallocate()
        nodes = larger
        capacity *= 2
    }
}
