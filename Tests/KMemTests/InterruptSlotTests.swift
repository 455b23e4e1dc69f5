import CKMemShims
import Foundation
import Synchronization
import Testing
@testable import KMem

@Suite("interrupts and the per-CPU caches", .serialized)
struct InterruptSlotTests {
    /// Holds CPU 0's magazines on another thread for a while, as a task mid-operation would,
    /// and allocates in hardirq context on CPU 0 meanwhile; the step ends `heldFor` after the
    /// interrupt found it under way.
    func interruptDuringStep(design: PerCPUDesign = .sheaves, wait: Duration?, heldFor: TimeInterval = 0) throws -> SlabInfo {
        let kernel = try makeKernel(design: design, memory: 64 << 20) { $0.slab.perCPUWait = wait }
        let cache = try kernel.slab.kmemCacheCreate("irq", size: 64)
        let warm = try #require(CPU.withCPU(0) { kernel.slab.kmemCacheAlloc(cache, .kernel) })
        try CPU.withCPU(0) { try kernel.slab.kmemCacheFree(cache, warm) }
        let slot = cache.slot(cache.cpuBlocks!, cpu: 0)
        let taken = slot.pointee.exchange(nil, ordering: .acquiring)
        let held = try #require(taken)
        let allocated = Atomic<UInt>(0)
        let done = DispatchSemaphore(value: 0)
        Thread {
            let object = CPU.withCPU(0) { Current.inHardirq { kernel.slab.kmemCacheAlloc(cache, .atomic) } }
            allocated.store(UInt(bitPattern: object), ordering: .relaxed)
            done.signal()
        }.start()
        // The step ends once the interrupt has found it under way.
        while cache.busyInHardirq.load(ordering: .relaxed) == 0 { kmem_shim_cpu_relax() }
        if heldFor > 0 { Thread.sleep(forTimeInterval: heldFor) }
        slot.pointee.store(held, ordering: .releasing)
        done.wait()
        let object = try #require(UnsafeMutableRawPointer(bitPattern: allocated.load(ordering: .relaxed)))
        try kernel.slab.kmemCacheFree(cache, object)
        let info = cache.slabInfo()
        #expect(kernel.everyPageReturned())
        return info
    }

    @Test("an interrupt waits for the step of the context it interrupted, and is counted in hardirq")
    func interruptWaits() throws {
        // Long enough that a loaded machine's scheduler cannot make the wait give up.
        let info = try interruptDuringStep(wait: .seconds(5))
        #expect(info.slotBusyHardirq == 1 && info.slotBusyProcess == 0)
        #expect(info.cpuWaits == 1)
    }

    /// A holder the OS deschedules mid-step (its thread sleeps 20 ms here) is waited for, past
    /// the spin, not bypassed: a bypass would take this object from the slab layer while its
    /// free went to the magazines, the drift that grew Bonwick's depot in a soak.
    @Test("an interrupt waits out a holder descheduled for longer than its spin, yielding meanwhile", arguments: [PerCPUDesign.bonwick, .sheaves])
    func interruptWaitsForDescheduledHolder(design: PerCPUDesign) throws {
        let info = try interruptDuringStep(design: design, wait: SlabAllocator.Configuration().perCPUWait, heldFor: 0.02)
        #expect(info.cpuWaits == 1)
        #expect(info.cpuWaitNs >= 20_000_000)
    }

    @Test("with cpu_waits off the interrupt goes to the slab layer at once")
    func interruptFallsBack() throws {
        let info = try interruptDuringStep(wait: nil)
        #expect(info.slotBusyHardirq == 1)
        #expect(info.cpuWaits == 0)
    }
}

@Suite("the bootstrap sheaf") struct BootstrapSheafTests {
    @Test("a sheaves cache of capacity 0 points every CPU at the empty bootstrap sheaf: each operation try-locks the CPU, then the slab layer serves it")
    func capacityZero() throws {
        let kernel = try makeKernel(design: .sheaves, capacity: 0)
        let cache = try kernel.slab.kmemCacheCreate("bootstrap", size: 64)
        #expect(cache.design == .none && cache.usesBootstrapSheaf)
        let slot = cache.slot(cache.cpuBlocks!, cpu: 0)
        #expect(slot.pointee.load(ordering: .relaxed) == Sheaves.bootstrapSheaf.raw)
        let object = try #require(CPU.withCPU(0) { kernel.slab.kmemCacheAlloc(cache, .kernel) })
        #expect(cache.slabInfo().cpuCachedObjects == 0)
        // With the CPU's lock held elsewhere the operation does not wait: the trylock fails.
        let taken = slot.pointee.exchange(nil, ordering: .acquiring)
        try CPU.withCPU(0) { try kernel.slab.kmemCacheFree(cache, object) }
        slot.pointee.store(taken, ordering: .releasing)
        #expect(cache.slabInfo().slotBusyProcess == 1 && cache.slabInfo().cpuWaits == 0)
        #expect(kernel.everyPageReturned())
    }
}
