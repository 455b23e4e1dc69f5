/// A balanced search tree of vmap areas keyed by start offset: a treap (a binary search tree
/// by key that is a max-heap by random priority, so its depth is O(log n) with high
/// probability). The nodes live in the space's node array and are named by index.
///
/// The free tree is augmented like the kernel's free_vmap_area_root: each node keeps the
/// largest size in its subtree, so first-fit finds the lowest-addressed fitting range in one
/// descent. The busy and lazy trees skip the augmentation.
///
/// Invariants: in-order keys increase and ranges do not overlap; a parent's priority is at
/// least its children's; when augmented, subtreeMaxSize is exact for every node.
struct VmapAreaTree {
    private(set) var root: Int32 = -1
    private(set) var count = 0
    let augmented: Bool

    init(augmented: Bool) { self.augmented = augmented }

    typealias Nodes = UnsafeMutablePointer<VmapArea>

    mutating func insert(_ node: Int32, in nodes: Nodes) {
        nodes[Int(node)].left = -1
        nodes[Int(node)].right = -1
        update(node, nodes)
        root = insert(node, into: root, nodes)
        count += 1
    }

    /// Unlinks the node that starts at `start`, returning it (nil when there is none).
    mutating func remove(start: Int, in nodes: Nodes) -> Int32? {
        var removed: Int32 = -1
        root = remove(start, from: root, nodes, removed: &removed)
        guard removed >= 0 else { return nil }
        count -= 1
        return removed
    }

    /// The node with the greatest start <= `offset`.
    func floor(_ offset: Int, in nodes: Nodes) -> Int32? {
        var node = root, best: Int32 = -1
        while node >= 0 {
            if nodes[Int(node)].start <= offset {
                best = node
                node = nodes[Int(node)].right
            } else {
                node = nodes[Int(node)].left
            }
        }
        return best >= 0 ? best : nil
    }

    /// The node with the least start >= `offset`.
    func ceiling(_ offset: Int, in nodes: Nodes) -> Int32? {
        var node = root, best: Int32 = -1
        while node >= 0 {
            if nodes[Int(node)].start >= offset {
                best = node
                node = nodes[Int(node)].left
            } else {
                node = nodes[Int(node)].right
            }
        }
        return best >= 0 ? best : nil
    }

    /// Recomputes the augmentation on the path to the node starting at `start`, after that
    /// node's size changed in place (its key may change too, if it stays between its
    /// neighbours).
    func refresh(start: Int, in nodes: Nodes) {
        guard augmented else { return }
        refresh(start, root, nodes)
    }

    /// find_vmap_lowest_match: the lowest-addressed node whose subtree holds a range of at
    /// least `length` bytes and that itself satisfies `fits`. With `length` = size + align - 1
    /// every node that large fits, so the descent never backtracks.
    func lowestMatch(length: Int, in nodes: Nodes, fits: (Int32) -> Bool) -> Int32? {
        precondition(augmented, "first fit needs the augmented free tree")
        var node = root
        while node >= 0 {
            let left = nodes[Int(node)].left
            if maxSize(left, nodes) >= length {
                node = left
            } else if fits(node) {
                return node
            } else if maxSize(nodes[Int(node)].right, nodes) >= length {
                node = nodes[Int(node)].right
            } else {
                return nil
            }
        }
        return nil
    }

    /// The largest free range (the root's augmentation).
    func largest(in nodes: Nodes) -> Int { maxSize(root, nodes) }

    /// Calls `body` on every node in address order. `body` must not change the tree.
    func forEach(in nodes: Nodes, _ body: (Int32) -> Void) {
        var stack: [Int32] = []
        var node = root
        while node >= 0 || !stack.isEmpty {
            while node >= 0 {
                stack.append(node)
                node = nodes[Int(node)].left
            }
            node = stack.removeLast()
            body(node)
            node = nodes[Int(node)].right
        }
    }

    /// Forgets every node (their owner relinks them elsewhere).
    mutating func removeAll() {
        root = -1
        count = 0
    }

    // MARK: treap mechanics

    private func maxSize(_ node: Int32, _ nodes: Nodes) -> Int {
        node >= 0 ? nodes[Int(node)].subtreeMaxSize : 0
    }

    private func update(_ node: Int32, _ nodes: Nodes) {
        guard augmented else { return }
        let area = nodes[Int(node)]
        nodes[Int(node)].subtreeMaxSize = max(area.size, maxSize(area.left, nodes), maxSize(area.right, nodes))
    }

    private func insert(_ node: Int32, into tree: Int32, _ nodes: Nodes) -> Int32 {
        guard tree >= 0 else { return node }
        if nodes[Int(node)].start < nodes[Int(tree)].start {
            nodes[Int(tree)].left = insert(node, into: nodes[Int(tree)].left, nodes)
            if nodes[Int(nodes[Int(tree)].left)].priority > nodes[Int(tree)].priority {
                return rotateRight(tree, nodes)
            }
        } else {
            nodes[Int(tree)].right = insert(node, into: nodes[Int(tree)].right, nodes)
            if nodes[Int(nodes[Int(tree)].right)].priority > nodes[Int(tree)].priority {
                return rotateLeft(tree, nodes)
            }
        }
        update(tree, nodes)
        return tree
    }

    private func remove(_ start: Int, from tree: Int32, _ nodes: Nodes, removed: inout Int32) -> Int32 {
        guard tree >= 0 else { return -1 }
        let key = nodes[Int(tree)].start
        if start == key {
            removed = tree
            return join(nodes[Int(tree)].left, nodes[Int(tree)].right, nodes)
        }
        if start < key {
            nodes[Int(tree)].left = remove(start, from: nodes[Int(tree)].left, nodes, removed: &removed)
        } else {
            nodes[Int(tree)].right = remove(start, from: nodes[Int(tree)].right, nodes, removed: &removed)
        }
        update(tree, nodes)
        return tree
    }

    /// Joins two treaps whose keys are all ordered (every key in `a` below every key in `b`).
    private func join(_ a: Int32, _ b: Int32, _ nodes: Nodes) -> Int32 {
        if a < 0 { return b }
        if b < 0 { return a }
        if nodes[Int(a)].priority > nodes[Int(b)].priority {
            nodes[Int(a)].right = join(nodes[Int(a)].right, b, nodes)
            update(a, nodes)
            return a
        }
        nodes[Int(b)].left = join(a, nodes[Int(b)].left, nodes)
        update(b, nodes)
        return b
    }

    private func refresh(_ start: Int, _ tree: Int32, _ nodes: Nodes) {
        guard tree >= 0 else { return }
        let key = nodes[Int(tree)].start
        if start < key { refresh(start, nodes[Int(tree)].left, nodes) }
        if start > key { refresh(start, nodes[Int(tree)].right, nodes) }
        update(tree, nodes)
    }

    private func rotateRight(_ node: Int32, _ nodes: Nodes) -> Int32 {
        let pivot = nodes[Int(node)].left
        nodes[Int(node)].left = nodes[Int(pivot)].right
        nodes[Int(pivot)].right = node
        update(node, nodes)
        update(pivot, nodes)
        return pivot
    }

    private func rotateLeft(_ node: Int32, _ nodes: Nodes) -> Int32 {
        let pivot = nodes[Int(node)].right
        nodes[Int(node)].right = nodes[Int(pivot)].left
        nodes[Int(pivot)].left = node
        update(node, nodes)
        update(pivot, nodes)
        return pivot
    }
}
