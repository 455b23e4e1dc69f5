import CKMemShims
import Foundation
import KMem
import Synchronization

/// `bio-mempool`: block I/O submission that must make progress when memory allocation fails.
/// Submitters allocate request structures from a mempool with GFP_NOIO and queue them to a
/// device; the device completes them in softirq context, freeing them back to the pool. With
/// fault injection failing the pool's allocator (kmem: `failslab=100,fail_ignore_wait=false`)
/// every request is served from the reserve: submitters wait for completions, never fail.
public struct BioMempool: Workload {
    public static let info = WorkloadInfo(
        name: "bio-mempool",
        pattern: "each thread per round allocates one request of size bytes from a shared pool (mempool_alloc, "
            + "GFP_NOIO: may sleep, must not fail) and queues it to the device (at most depth in flight per thread); "
            + "a completion context (BLOCK_SOFTIRQ, on CPU threads) frees each with mempool_free. One round = one "
            + "request = 2 operations. kmem: a mempool over a slab cache with min_nr in reserve; elsewhere malloc",
        models: "bio_alloc_bioset from a bio_set's mempool under memory pressure (the guarantee that lets writeback "
            + "free memory while allocation fails), with blk_done_softirq completing requests",
        parameters: [size.schema, minNr.schema, depth.schema])

    static let size = Parameter.bytes("size", default: "256", 16...(1 << 16), "request (bio + inline vecs) size")
    static let minNr = Parameter.integer("min_nr", default: 4, 1...4096, "elements the pool keeps in reserve")
    static let depth = Parameter.integer("depth", default: 32, 2...1 << 16, "requests in flight per thread at most")

    let size, minNr, depth: Int

    public init(_ values: ParameterValues) {
        size = values[Self.size]
        minNr = values[Self.minNr]
        depth = values[Self.depth]
    }

    public var requestKinds: RequestKinds { .pools }

    public func run<E: Engine>(on engine: E, _ context: WorkloadContext) {
        let pool = engine.createPool(name: "bio", size: size, minNr: minNr)
        let queues = (0..<context.threads).map { _ in HandoffRing(capacity: depth) }
        let device = DispatchGroup()
        let completions = Atomic<Int>(0)
        DispatchQueue(label: "kmembench.bio.softirq").async(group: device) {
            CPU.withCPU(context.threads) {
                var driver = context.makeSideDriver(engine, cpu: context.threads, index: 0)
                completions.store(Self.complete(queues, pool, &driver), ordering: .relaxed)
                context.collect(engine, &driver)
            }
        }
        context.runThreads(engine) { [size] thread, driver in
            let queue = queues[thread]
            var round = 0
            while driver.more(round) {
                round &+= 1
                guard let request = driver.poolAlloc(pool, gfp: .noio) else { continue }
                driver.write(UInt(round), to: request)
                while !queue.push(request, amount: size) { sched_yield() }
            }
            queue.close()
            // The device's last completions belong inside the timed run.
            while !queue.isEmpty { sched_yield() }
        }
        device.wait()
        engine.destroyPool(pool)
        context.addFigures(["completions": Double(completions.load(ordering: .relaxed))])
    }

    /// The device: completes what every queue holds, in softirq context, until every
    /// submitter has closed its queue and the queues are empty. Returns the completions.
    static func complete<W>(_ queues: [HandoffRing], _ pool: EngineHandle, _ driver: inout Driver<W>) -> Int {
        var completed = 0
        while true {
            // The device loops on its queues, not on rounds: each pass follows the window.
            driver.notePhase()
            var idle = true, open = false
            for queue in queues {
                let closed = queue.isClosed
                while let entry = queue.pop() {
                    Current.inSoftirq { driver.poolFree(pool, entry.block, remote: true) }
                    completed += 1
                    idle = false
                }
                if !closed { open = true }
            }
            if !open && idle { return completed }
            if idle { sched_yield() }
        }
    }
}
