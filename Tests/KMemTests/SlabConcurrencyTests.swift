import Foundation
import Synchronization
import Testing
@testable import KMem

/// One byte per 8-byte granule of physical memory: who holds the object starting there.
final class ObjectOwners: @unchecked Sendable {
    // Only atomics are touched after init.
    let owners: UnsafeMutablePointer<Atomic<UInt8>>
    let base: UnsafeMutableRawPointer
    let count: Int
    init(kernel: Kernel) {
        base = kernel.pages.memory.base
        count = kernel.pages.memory.size / 8
        owners = .allocate(capacity: count)
        for index in 0..<count { (owners + index).initialize(to: Atomic(0)) }
    }
    deinit { owners.deinitialize(count: count); owners.deallocate() }
    func claim(_ object: UnsafeMutableRawPointer, _ owner: UInt8) -> Bool {
        owners[(object - base) / 8].exchange(owner, ordering: .relaxed) == 0
    }
    func release(_ object: UnsafeMutableRawPointer) -> UInt8 {
        owners[(object - base) / 8].exchange(0, ordering: .relaxed)
    }
}

@Suite("Slab concurrency", .serialized)
struct SlabConcurrencyTests {
    @Test("process threads and hardirq threads on the same CPUs, frees on other CPUs: nothing handed out twice or lost",
          arguments: PerCPUDesign.allCases)
    func interruptsAndCrossFrees(design: PerCPUDesign) throws {
        let kernel = try makeKernel(design: design, capacity: design == .none ? nil : 8)
        let cache = try kernel.slab.kmemCacheCreate("shared", size: 48)
        let owners = ObjectOwners(kernel: kernel)
        let failures = SharedInt(0)
        let handoff = LockedValue<[UInt]>([])
        let threads = 4
        onThreads(threads) { thread in
            var random = SeededGenerator(seed: UInt64(thread) * 7 + 1)
            let cpu = thread % 2 // threads 0,2 share CPU 0; 1,3 share CPU 1
            let interrupt = thread >= 2 // these run every operation in hardirq context
            var held: [UnsafeMutableRawPointer] = []
            for step in 0..<15_000 {
                CPU.withCPU(cpu) {
                    let work = {
                        if held.count < 64 && (held.isEmpty || Bool.random(using: &random)) {
                            let gfp: GFP = interrupt ? .atomic : .kernel
                            let object = step % 3 == 0 ? kernel.slab.kmalloc(40, gfp) : kernel.slab.kmemCacheAlloc(cache, gfp)
                            guard let object else { return }
                            if !owners.claim(object, UInt8(thread + 1)) { failures.value.add(1, ordering: .relaxed) }
                            object.storeBytes(of: thread, as: Int.self)
                            held.append(object)
                        } else if let object = held.popLast() {
                            if object.load(as: Int.self) != thread { failures.value.add(1, ordering: .relaxed) }
                            if step % 4 == 0 {
                                handoff.withLock { $0.append(UInt(bitPattern: object)) } // freed on another CPU
                            } else {
                                if owners.release(object) != UInt8(thread + 1) { failures.value.add(1, ordering: .relaxed) }
                                do { try kernel.slab.kfree(object) } catch { failures.value.add(1, ordering: .relaxed) }
                            }
                        }
                    }
                    if interrupt { Current.inHardirq(work) } else { work() }
                }
                if step % 50 == 0 {
                    let foreign = handoff.withLock { list in defer { list = [] }; return list }
                    for address in foreign {
                        let object = UnsafeMutableRawPointer(bitPattern: address)!
                        _ = owners.release(object)
                        CPU.withCPU(1 - cpu) {
                            do { try kernel.slab.kfree(object) } catch { failures.value.add(1, ordering: .relaxed) }
                        }
                    }
                }
            }
            for object in held {
                _ = owners.release(object)
                try! kernel.slab.kfree(object)
            }
        }
        for address in handoff.withLock({ $0 }) { try kernel.slab.kfree(UnsafeMutableRawPointer(bitPattern: address)!) }
        #expect(failures.value.load(ordering: .relaxed) == 0)
        #expect(kernel.pages.sleepCheck.violations == 0)
        #expect(kernel.log.count(.slabBug) == 0)
        #expect(kernel.everyPageReturned())
    }
}
