/// Where everything sits in one object slot, and how many slots a slab holds
/// (mm/slub.c calculate_sizes and calculate_order).
///
/// A slot, stride `size`: [left red zone][object][right red zone][free pointer][tracks][pad]
/// The object pointer is slot + redLeftPad. Without debugging, the free pointer lives inside
/// the object (as SLUB puts it mid-object), unless a constructor, poisoning or red zones need
/// the object's bytes kept while it is free.
public struct SlabLayout: Sendable, Equatable {
    public static let wordSize = 8
    /// Bytes of one owner record (SLAB_STORE_USER): thread id, CPU, time, call site, line.
    public static let trackSize = 32
    /// How far a slot stretches for kmalloc's original-size record (debug kmalloc caches).
    public static let origSizeBytes = 8

    public let objectSize: Int
    public let size: Int
    public let align: Int
    /// Bytes of the object including its right red zone (SLUB's `inuse`).
    public let inuse: Int
    public let redLeftPad: Int
    /// Offset of the free pointer from the object pointer.
    public let freePointerOffset: Int
    /// Offset of the alloc and free tracks from the object pointer (-1 without STORE_USER).
    public let trackOffset: Int
    /// Offset of the original requested size (kmalloc debug), -1 if not kept.
    public let origSizeOffset: Int
    public let order: Int
    public let objectsPerSlab: Int

    public var slabBytes: Int { PhysicalMemory.pageSize << order }

    static func alignUp(_ value: Int, _ alignment: Int) -> Int { (value + alignment - 1) & ~(alignment - 1) }

    /// calculate_alignment: HWCACHE_ALIGN uses the cache line unless the object fits in half
    /// of it (then a quarter, ...); never below a word.
    static func alignment(objectSize: Int, align: Int, flags: SlabFlags) -> Int {
        var result = max(align, wordSize)
        if flags.contains(.hwcacheAlign) {
            var line = 64
            while objectSize <= line / 2 && line > wordSize { line /= 2 }
            result = max(result, line)
        }
        return result
    }

    init(objectSize: Int, align requested: Int, flags: SlabFlags, hasConstructor: Bool,
         keepsOrigSize: Bool, cpus: Int, maxOrder: Int) {
        let align = SlabLayout.alignment(objectSize: objectSize, align: requested, flags: flags)
        var size = SlabLayout.alignUp(objectSize, SlabLayout.wordSize)
        if flags.contains(.redZone) && size == objectSize { size += SlabLayout.wordSize }
        let inuse = size
        let freePointerOutside = hasConstructor || flags.contains(.poison) || flags.contains(.redZone)
        let freePointerOffset: Int
        if freePointerOutside {
            freePointerOffset = size
            size += SlabLayout.wordSize
        } else {
            freePointerOffset = (objectSize / 2) & ~(SlabLayout.wordSize - 1)
        }
        var trackOffset = -1
        if flags.contains(.storeUser) {
            trackOffset = size
            size += 2 * SlabLayout.trackSize
        }
        var origSizeOffset = -1
        if keepsOrigSize {
            origSizeOffset = size
            size += SlabLayout.origSizeBytes
        }
        var redLeftPad = 0
        if flags.contains(.redZone) {
            redLeftPad = SlabLayout.alignUp(SlabLayout.wordSize, align)
            size += redLeftPad
        }
        size = SlabLayout.alignUp(size, align)
        self.objectSize = objectSize
        self.size = size
        self.align = align
        self.inuse = inuse
        self.redLeftPad = redLeftPad
        self.freePointerOffset = freePointerOffset
        self.trackOffset = trackOffset
        self.origSizeOffset = origSizeOffset
        self.order = SlabLayout.order(size: size, cpus: cpus, maxOrder: maxOrder)
        self.objectsPerSlab = (PhysicalMemory.pageSize << order) / size
    }

    /// calculate_order: min_objects = 4 * (fls(cpus) + 1), capped by what the largest order
    /// holds; then the smallest order from get_order(min_objects * size) up to `maxOrder` that
    /// wastes at most 1/16 of the slab (then 1/8, 1/4, 1/2); failing all, the order of one object.
    static func order(size: Int, cpus: Int, maxOrder: Int) -> Int {
        let fls = Int.bitWidth - cpus.leadingZeroBitCount
        let maxObjects = max((PhysicalMemory.pageSize << maxOrder) / size, 1)
        let minObjects = min(4 * (fls + 1), maxObjects)
        let minOrder = PageAllocator.getOrder(minObjects * size)
        var fraction = 16
        while fraction > 1 {
            if minOrder <= maxOrder {
                for order in minOrder...maxOrder {
                    let slabSize = PhysicalMemory.pageSize << order
                    if slabSize % size <= slabSize / fraction { return order }
                }
            }
            fraction /= 2
        }
        return PageAllocator.getOrder(size)
    }
}
