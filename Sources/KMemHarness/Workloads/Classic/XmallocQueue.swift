import Foundation

/// xmalloc-test's batch queue: a LIFO list of batches linked through each batch's first word,
/// under one mutex, with a condition variable each for "not empty" and "not full" (at most
/// 100 batches), as enqueue_batch and dequeue_batch are written. Where the original ends on a
/// done flag, this one ends when its producers have all left: consumers then take what is
/// left and get nil once it is empty.
final class XmallocQueue: @unchecked Sendable {
    // Sendable: every field is read and written with `lock` held.
    static let limit = 100

    private let lock = UnsafeMutablePointer<pthread_mutex_t>.harnessAllocate(capacity: 1)
    private let notEmpty = UnsafeMutablePointer<pthread_cond_t>.harnessAllocate(capacity: 1)
    private let notFull = UnsafeMutablePointer<pthread_cond_t>.harnessAllocate(capacity: 1)
    private var head: UnsafeMutableRawPointer?
    private var count = 0
    private var producers: Int

    init(producers: Int) {
        self.producers = producers
        pthread_mutex_init(lock, nil)
        pthread_cond_init(notEmpty, nil)
        pthread_cond_init(notFull, nil)
    }

    deinit {
        pthread_mutex_destroy(lock)
        pthread_cond_destroy(notEmpty)
        pthread_cond_destroy(notFull)
        lock.harnessDeallocate()
        notEmpty.harnessDeallocate()
        notFull.harnessDeallocate()
    }

    /// enqueue_batch: waits while the queue is full, pushes `batch` (its first word links it).
    func enqueue(_ batch: UnsafeMutableRawPointer) {
        pthread_mutex_lock(lock)
        while count >= Self.limit { pthread_cond_wait(notFull, lock) }
        batch.storeBytes(of: head, as: UnsafeMutableRawPointer?.self)
        head = batch
        count += 1
        pthread_cond_signal(notEmpty)
        pthread_mutex_unlock(lock)
    }

    /// dequeue_batch: waits while the queue is empty and producers remain; nil when both are gone.
    func dequeue() -> UnsafeMutableRawPointer? {
        pthread_mutex_lock(lock)
        while head == nil && producers > 0 { pthread_cond_wait(notEmpty, lock) }
        let batch = head
        if let batch {
            head = batch.load(as: UnsafeMutableRawPointer?.self)
            count -= 1
            pthread_cond_signal(notFull)
        }
        pthread_mutex_unlock(lock)
        return batch
    }

    /// A producer leaves: consumers waiting on an empty queue re-check.
    func producerLeft() {
        pthread_mutex_lock(lock)
        producers -= 1
        pthread_cond_broadcast(notEmpty)
        pthread_mutex_unlock(lock)
    }
}
