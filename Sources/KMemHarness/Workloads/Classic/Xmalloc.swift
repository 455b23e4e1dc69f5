import Foundation

/// `xmalloc`: a port of Lever and Boreham's malloc-test as mimalloc-bench carries it,
/// bench/xmalloc-test/xmalloc-test.c, as bench.sh runs it: `xmalloc-test -w N -t 5 -s 64`
/// (N producer and N consumer threads, 5 s, 64-byte objects).
///
/// Kept, as the original does them:
/// - producer threads (mem_allocator) allocate a batch (a 32776-byte block from the allocator
///   under test: a link and 4096 object pointers), fill it with 4096 objects of `size` bytes,
///   memset the first min(size, 128) bytes of object i to i % 256, and push the batch on the
///   queue;
/// - consumer threads (mem_releaser) pop a batch, free its 4096 objects and the batch;
/// - one queue for all: a mutex, "not empty" and "not full" condition variables, at most
///   100 batches, LIFO, as enqueue_batch and dequeue_batch are written;
/// - the figure: objects freed per second (`frees_per_s`; the original prints millions).
///
/// Scaled or changed:
/// - `--threads` counts both roles: even threads produce, odd ones consume (-w N is 2N
///   threads); on kmem thread t runs as model CPU t mod cpus;
/// - producers stop at the end of the cell's duration (or after `rounds` batches each) and
///   consumers then free what the queue still holds, inside the timed part and counted; the
///   original's consumers stop at once and main frees the rest after its clock stopped (at
///   most 100 batches, 409,600 objects: a few percent of a 1 s cell's frees, under 1% of a
///   5 s one);
/// - the original's consumers add 4096 to their count for a dequeue that found nothing when
///   the run ended; only objects really freed are counted here;
/// - the original's mixed sizes (-s -1, which bench.sh does not use) are left out: its consumer
///   frees without knowing sizes, and the harness's free is sized.
public struct Xmalloc: Workload {
    public static let info = WorkloadInfo(
        name: "xmalloc",
        pattern: "even threads allocate batches of 4096 objects, memset each (up to 128 bytes) and queue the batch; "
            + "odd threads take batches off the shared, mutex-guarded queue and free every object: every free "
            + "is cross-thread",
        models: "mimalloc-bench xmalloc-test (Lever and Boreham's malloc-test): producer/consumer allocation",
        parameters: [size.schema])

    static let size = Parameter.bytes("size", default: "64", 1...(1 << 20), "object size (-s)")
    static let objectsPerBatch = 4096
    /// struct batch: the link, then the object pointers.
    static let batchBytes = MemoryLayout<UnsafeMutableRawPointer?>.size * (1 + objectsPerBatch)
    static let memsetLimit = 128

    let objectSize: Int

    public init(_ values: ParameterValues) { objectSize = values[Self.size] }

    public var requestKinds: RequestKinds { .objects }
    public var minimumThreads: Int { 2 }

    public func run<E: Engine>(on engine: E, _ context: WorkloadContext) {
        let queue = XmallocQueue(producers: (context.threads + 1) / 2)
        context.runThreads(engine) { [self] thread, driver in
            if thread % 2 == 0 { produce(queue, &driver) } else { consume(queue, &driver, context) }
        }
        context.addFigures(["frees_per_s": context.figures["object_frees", default: 0] / context.seconds])
    }

    /// mem_allocator: a batch per round.
    private func produce<W>(_ queue: XmallocQueue, _ driver: inout Driver<W>) {
        var round = 0
        while driver.more(round) {
            round &+= 1
            guard let batch = driver.allocObject(size: Self.batchBytes) else { continue }
            let objects = Self.objects(of: batch)
            for index in 0..<Self.objectsPerBatch {
                let object = driver.allocObject(size: objectSize)
                objects[index] = object
                if let object { driver.fill(object, count: min(objectSize, Self.memsetLimit), with: UInt8(index % 256)) }
            }
            queue.enqueue(batch)
        }
        queue.producerLeft()
    }

    /// mem_releaser: until the producers have left and the queue is empty.
    private func consume<W>(_ queue: XmallocQueue, _ driver: inout Driver<W>, _ context: WorkloadContext) {
        var freed = 0
        while let batch = queue.dequeue() {
            // Consumers loop on the queue, not on rounds: each batch follows the window.
            driver.notePhase()
            let objects = Self.objects(of: batch)
            for index in 0..<Self.objectsPerBatch {
                guard let object = objects[index] else { continue }
                driver.freeObject(object, size: objectSize, remote: true)
                freed += 1
            }
            driver.freeObject(batch, size: Self.batchBytes, remote: true)
        }
        context.addFigures(["object_frees": Double(freed)])
    }

    /// A batch's object pointers, after its link.
    static func objects(of batch: UnsafeMutableRawPointer) -> UnsafeMutablePointer<UnsafeMutableRawPointer?> {
        (batch + MemoryLayout<UnsafeMutableRawPointer?>.size).assumingMemoryBound(to: UnsafeMutableRawPointer?.self)
    }
}
