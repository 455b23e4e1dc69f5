/// mstress's blocks (mimalloc's test-stress.c): `items` words, word i holding (items - i) ^ cookie,
/// written on allocation and all checked on free; its splitmix generator and its `chance`.
enum MstressItems {
    static let cookie: UInt = 0xbf58_476d_1ce4_e5b9

    /// pick: Vigna's splitmix64 finaliser, stepping the state in place.
    @inline(__always)
    static func pick(_ state: inout UInt) -> UInt {
        var x = state
        x ^= x >> 30
        x &*= 0xbf58_476d_1ce4_e5b9
        x ^= x >> 27
        x &*= 0x94d0_49bb_1331_11eb
        x ^= x >> 31
        state = x
        return x
    }

    /// chance(perc): as written, `pick % 100 <= perc`, so perc + 1 in 100.
    @inline(__always)
    static func chance(_ percent: UInt, _ state: inout UInt) -> Bool { pick(&state) % 100 <= percent }

    /// alloc_items: one block in 50 is 100x larger; with `large`, one of those in 50 is
    /// 10000x and one in 9 of the rest 1000x. Fills every word.
    @inline(__always)
    static func allocate<W>(_ items: Int, large: Bool, _ state: inout UInt,
                            _ driver: inout Driver<W>) -> UnsafeMutableRawPointer? {
        var items = items
        if chance(1, &state) {
            if chance(1, &state) && large {
                items *= 10000
            } else if chance(10, &state) && large {
                items *= 1000
            } else {
                items *= 100
            }
        }
        if items == 40 { items += 1 } // the original's: pthreads uses that size for stack increases
        guard let block = driver.allocObject(size: items * MemoryLayout<UInt>.size) else { return nil }
        let words = block.assumingMemoryBound(to: UInt.self)
        for index in 0..<items { words[index] = UInt(items - index) ^ cookie }
        driver.noteTouched(items * MemoryLayout<UInt>.size)
        return block
    }

    /// free_items: reads the word count from word 0, checks every word and frees the block. A
    /// mismatch stops the cell, as the original aborts: a corrupting allocator fails its cell.
    @inline(__always)
    static func free<W>(_ block: UnsafeMutableRawPointer, remote: Bool, _ driver: inout Driver<W>) {
        let items = Int(bitPattern: block.load(as: UInt.self) ^ cookie)
        if let index = firstCorruption(block, items: items) {
            fatalError("mstress: memory corruption at block \(block) at word \(index) of \(items)")
        }
        driver.noteTouched(items * MemoryLayout<UInt>.size)
        driver.freeObject(block, size: items * MemoryLayout<UInt>.size, remote: remote)
    }

    /// The most words a block has: 2^6 retained-size words, 10000x.
    static let maximumItems = 64 * 10000

    /// The first word of a block of `items` words (as word 0 says) that does not hold its
    /// pattern, or nil. A count no block can have is a corrupt word 0.
    static func firstCorruption(_ block: UnsafeRawPointer, items: Int) -> Int? {
        guard (1...maximumItems).contains(items) else { return 0 }
        let words = block.assumingMemoryBound(to: UInt.self)
        for index in 0..<items where words[index] ^ cookie != UInt(bitPattern: items - index) { return index }
        return nil
    }
}
