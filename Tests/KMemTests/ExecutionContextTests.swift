import Testing
@testable import KMem

@Suite("Execution contexts and the sleep check")
struct ExecutionContextTests {
    @Test("contexts nest and report in_atomic like preempt_count")
    func nesting() {
        #expect(Current.context == .process && !Current.inAtomic)
        Current.inSoftirq {
            #expect(Current.context == .softirq && Current.inAtomic && Current.inInterrupt)
            Current.inHardirq {
                #expect(Current.context == .hardirq && Current.irqsDisabled)
            }
            #expect(Current.context == .softirq && !Current.irqsDisabled)
        }
        Current.withPreemptionDisabled { #expect(Current.inAtomic && Current.context == .process) }
        Current.localIrqDisable()
        #expect(Current.inAtomic)
        Current.localIrqEnable()
        let lock = SpinLock()
        lock.lock()
        #expect(Current.inAtomic && Current.spinlockDepth == 1)
        lock.unlock()
        #expect(!Current.inAtomic && Current.preemptCount == 0)
    }

    @Test("a blocking allocation from hardirq, softirq, under a spinlock or with preemption off is reported; GFP_ATOMIC and GFP_NOWAIT are not")
    func sleepCheck() throws {
        let allocator = try makeAllocator()
        func violations() -> Int { allocator.sleepCheck.violations }
        func allocateAndFree(_ gfp: GFP) throws {
            let page = try #require(allocator.allocPages(gfp, order: 0))
            try allocator.freePages(page, order: 0)
        }
        try allocateAndFree(.kernel)
        #expect(violations() == 0)
        try Current.inHardirq { try allocateAndFree(.kernel) }
        #expect(violations() == 1)
        try Current.inSoftirq { try allocateAndFree(.kernel.union(.zero)) }
        #expect(violations() == 2)
        try Current.withPreemptionDisabled { try allocateAndFree(.noio) }
        #expect(violations() == 3)
        try Current.inHardirq { try allocateAndFree(.atomic) }
        try Current.inSoftirq { try allocateAndFree(.nowait) }
        #expect(violations() == 3)
        let message = try #require(allocator.log.entries(.sleepInAtomic).first?.message)
        #expect(message.hasPrefix("BUG: sleeping function called from invalid context at "))
        #expect(message.contains("in_atomic(): 1, irqs_disabled(): 1"))
        #expect(message.contains("context: hardirq, gfp: GFP_KERNEL"))
        #expect(message.contains("ExecutionContextTests.swift"))
    }

    @Test("waiting on a wait queue from atomic context is a violation")
    func waitInAtomic() throws {
        let allocator = try makeAllocator()
        let queue = WaitQueue(name: "test_wait", sleepCheck: allocator.sleepCheck)
        #expect(queue.wait(timeout: .milliseconds(1)) { true })
        #expect(allocator.sleepCheck.violations == 0)
        Current.inSoftirq { _ = queue.wait(timeout: .milliseconds(1)) { true } }
        #expect(allocator.sleepCheck.violations == 1)
        #expect(allocator.log.entries(.sleepInAtomic).last?.message.contains("waiting on test_wait") == true)
    }

    @Test("CPU binding overrides the rseq CPU and nests")
    func cpuBinding() {
        let real = CPU.current
        #expect(real >= 0 && real < 4096)
        CPU.withCPU(7) {
            #expect(CPU.current == 7)
            CPU.withCPU(3) { #expect(CPU.current == 3) }
            #expect(CPU.current == 7)
        }
        #expect(CPU.current < CPU.configuredCount)
    }

    @Test("mutex_lock from atomic context is a violation; mutex_trylock is not")
    func mutexInAtomic() throws {
        let allocator = try makeAllocator()
        let mutex = KernelMutex(name: "test_mutex", sleepCheck: allocator.sleepCheck)
        mutex.withLock { }
        #expect(allocator.sleepCheck.violations == 0)
        Current.withPreemptionDisabled {
            #expect(mutex.tryLock())
            mutex.unlock()
        }
        #expect(allocator.sleepCheck.violations == 0)
        Current.inSoftirq { mutex.withLock { } }
        #expect(allocator.sleepCheck.violations == 1)
        #expect(allocator.log.entries(.sleepInAtomic).last?.message.contains("mutex_lock(test_mutex)") == true)
    }

    @Test("NMI context is atomic, reported by name, and a blocking allocation there is a violation")
    func nmi() throws {
        let allocator = try makeAllocator()
        Current.nmiEnter()
        #expect(Current.context == .nmi && Current.inAtomic && Current.inInterrupt)
        let page = allocator.allocPages(.kernel, order: 0)
        Current.nmiExit()
        #expect(Current.context == .process && !Current.inAtomic)
        #expect(allocator.sleepCheck.violations == 1)
        #expect(allocator.log.entries(.sleepInAtomic).last?.message.contains("context: nmi") == true)
        if let page { try allocator.freePages(page, order: 0) }
    }
}
