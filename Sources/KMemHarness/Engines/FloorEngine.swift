import Foundation
import KMem
import Synchronization

/// The physical-limit row: every worker keeps one array stack of free blocks per power-of-two
/// size class (a pop is a load, a push a store) and carves new blocks from a private bump
/// region when a stack is empty. No locks, atomics or size-class tables: what is left of a
/// measurement on it is the harness's own cost.
///
/// Unlike KMemBaselines' `FloorStack` (one size, a fixed preallocated set of blocks), this
/// serves any size and any number of live blocks, and takes frees of blocks another worker
/// carved (they join the freeing worker's stack), as the cross-thread workloads need. Regions
/// belong to the engine and are unmapped only when it goes, after every worker has retired.
public final class FloorEngine: Engine, @unchecked Sendable {
    // Sendable: `regions` is behind a lock; everything else is immutable.
    /// Caches and pools are blocks of their size; virtual and per-CPU areas have no floor.
    public static let requestKinds: RequestKinds = [.objects, .pages, .caches, .pools]
    public var requestKinds: RequestKinds { Self.requestKinds }
    let regions = LockedValue<[(address: UInt, bytes: Int)]>([])

    public init() {}

    deinit {
        regions.withLock { list in
            for region in list { munmap(UnsafeMutableRawPointer(bitPattern: region.address), region.bytes) }
        }
    }

    public func makeWorker(cpu: Int) -> FloorWorker { FloorWorker(engine: self) }

    public func retire(_ worker: inout FloorWorker) { worker.releaseStacks() }

    /// Bytes of regions mapped so far.
    public func footprintBytes() -> Int? { regions.withLock { $0.reduce(0) { $0 + $1.bytes } } }

    public func report() -> EngineReport { EngineReport() }

    /// Maps a fresh region for a worker's bump allocator.
    func mapRegion(bytes: Int) -> UnsafeMutableRawPointer {
        guard let region = mmap(nil, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0),
              region != MAP_FAILED else { fatalError("floor: cannot map \(bytes) bytes: errno \(errno)") }
        regions.withLock { $0.append((UInt(bitPattern: region), bytes)) }
        return region
    }
}
