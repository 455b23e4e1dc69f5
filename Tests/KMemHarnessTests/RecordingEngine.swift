import KMem
@testable import KMemHarness
import Synchronization

/// A test engine on the system allocator that counts every call it serves and records each
/// worker's sequence of requests, to check the harness's counts and the seeds.
final class RecordingEngine: Engine, @unchecked Sendable {
    // Sendable: `sequences` is behind a Mutex, the counters are atomic.
    let requestKinds: RequestKinds = .all
    let allocations = Atomic<Int>(0)
    let frees = Atomic<Int>(0)
    let sequences = Mutex<[Int: [Int]]>([:])

    struct Worker: EngineWorker {
        let engine: RecordingEngine
        let cpu: Int
        var sequence: [Int] = []

        mutating func allocObject(size: Int, gfp: GFP) -> UnsafeMutableRawPointer? {
            sequence.append(size)
            engine.allocations.wrappingAdd(1, ordering: .relaxed)
            return .allocate(byteCount: size, alignment: 4096)
        }

        mutating func freeObject(_ object: UnsafeMutableRawPointer, size: Int) {
            engine.frees.wrappingAdd(1, ordering: .relaxed)
            object.deallocate()
        }

        mutating func allocPages(order: Int, gfp: GFP) -> UnsafeMutableRawPointer? {
            sequence.append(-order - 1)
            engine.allocations.wrappingAdd(1, ordering: .relaxed)
            return .allocate(byteCount: 4096 << order, alignment: 4096)
        }

        mutating func freePages(_ pages: UnsafeMutableRawPointer, order: Int) {
            engine.frees.wrappingAdd(1, ordering: .relaxed)
            pages.deallocate()
        }

        mutating func allocVirtual(size: Int, align: Int, gfp: GFP) -> UnsafeMutableRawPointer? {
            guard align <= 1 << 20 else { return nil }
            return allocObject(size: size, gfp: gfp)
        }

        mutating func freeVirtual(_ area: UnsafeMutableRawPointer, size: Int, align: Int) { freeObject(area, size: size) }

        mutating func allocPercpu(size: Int, align: Int, gfp: GFP) -> UnsafeMutableRawPointer? {
            sequence.append(size)
            engine.allocations.wrappingAdd(1, ordering: .relaxed)
            return .allocate(byteCount: size, alignment: align)
        }

        mutating func freePercpu(_ area: UnsafeMutableRawPointer, size: Int, align: Int) { freeObject(area, size: size) }
    }

    func makeWorker(cpu: Int) -> Worker { Worker(engine: self, cpu: cpu) }

    func retire(_ worker: inout Worker) {
        let (cpu, sequence) = (worker.cpu, worker.sequence)
        sequences.withLock { $0[cpu, default: []] += sequence }
    }

    func footprintBytes() -> Int? { nil }
    func report() -> EngineReport { EngineReport() }
}
