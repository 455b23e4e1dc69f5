import CKMemShims
import Synchronization

/// `cache-scratch` and `cache-thrash`: Hoard's false-sharing tests, from their published
/// descriptions. One type, two registry entries: they differ only in the hand-over at start.
public struct FalseSharing: Workload {
    static let size = Parameter.bytes("size", default: "8", 1...4096, "object size")
    static let writes = Parameter.integer("writes", default: 100, 0...1_000_000, "byte writes into the object per round")
    static let parameters = [size.schema, writes.schema]

    public static let info = WorkloadInfo(
        name: "cache-thrash",
        pattern: "each thread: allocate a small object, write it writes times, free it, repeat",
        models: "active false sharing: an allocator that gives neighbouring bytes to different threads makes "
            + "their writes fight over a cache line (Hoard's cache-thrash)",
        parameters: parameters)

    /// The passive variant as its own workload type for the registry.
    public struct Scratch: Workload {
        public static let info = WorkloadInfo(
            name: "cache-scratch",
            pattern: "thread 0 allocates one object per thread and hands each over; every thread frees the object "
                + "it was given, then allocates, writes writes times and frees, repeatedly",
            models: "passive false sharing: a freed object reused by the thread that freed it, on a line another "
                + "thread still writes (Hoard's cache-scratch)",
            parameters: FalseSharing.parameters)

        let base: FalseSharing
        public init(_ values: ParameterValues) { base = FalseSharing(values, passive: true) }
        public var requestKinds: RequestKinds { .objects }
        public func run<E: Engine>(on engine: E, _ context: WorkloadContext) { base.run(on: engine, context) }
    }

    let size: Int
    let writes: Int
    let passive: Bool

    public init(_ values: ParameterValues) { self.init(values, passive: false) }

    init(_ values: ParameterValues, passive: Bool) {
        size = values[Self.size]
        writes = values[Self.writes]
        self.passive = passive
    }

    public var requestKinds: RequestKinds { .objects }

    public func run<E: Engine>(on engine: E, _ context: WorkloadContext) {
        let handed = HandoffBoard(count: context.threads)
        context.runThreads(engine) { [self] thread, driver in
            if passive { takeHandedObject(thread, handed, &driver, threads: context.threads) }
            var round = 0
            while driver.more(round) {
                if let object = driver.allocObject(size: size) {
                    Self.write(object, size: size, times: writes)
                    driver.freeObject(object, size: size)
                }
                round &+= 1
            }
        }
    }

    private func takeHandedObject<W>(_ thread: Int, _ handed: HandoffBoard, _ driver: inout Driver<W>, threads: Int) {
        if thread == 0 {
            for index in 0..<threads { handed.put(index, driver.allocObject(size: size)) }
        }
        if let object = handed.take(thread) { driver.freeObject(object, size: size, remote: thread != 0) }
    }

    /// Byte writes the compiler may not merge: relaxed atomic stores are plain stores on x86
    /// and arm64 but are never combined or dropped.
    @inline(__always)
    static func write(_ object: UnsafeMutableRawPointer, size: Int, times: Int) {
        let bytes = object.bindMemory(to: Atomic<UInt8>.self, capacity: size)
        for index in 0..<times { bytes[index % size].store(UInt8(truncatingIfNeeded: index), ordering: .relaxed) }
    }
}

/// One object per thread, put by thread 0 and taken by its owner (who waits for it).
final class HandoffBoard: @unchecked Sendable {
    // Sendable: each slot is an atomic word; a put happens-before the matching take.
    private let slots: UnsafeMutablePointer<Atomic<UInt>>
    private let count: Int

    init(count: Int) {
        self.count = count
        slots = .harnessAllocate(capacity: count)
        for index in 0..<count { (slots + index).initialize(to: Atomic(0)) }
    }

    deinit {
        slots.deinitialize(count: count)
        slots.harnessDeallocate()
    }

    /// A failed allocation is put as the value 1, so the taker stops waiting.
    func put(_ index: Int, _ object: UnsafeMutableRawPointer?) {
        slots[index].store(object.map { UInt(bitPattern: $0) } ?? 1, ordering: .releasing)
    }

    func take(_ index: Int) -> UnsafeMutableRawPointer? {
        var value: UInt = 0
        while value == 0 { value = slots[index].load(ordering: .acquiring); if value == 0 { sched_yield() } }
        return value == 1 ? nil : UnsafeMutableRawPointer(bitPattern: value)
    }
}
