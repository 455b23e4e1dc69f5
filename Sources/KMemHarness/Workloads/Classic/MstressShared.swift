import Dispatch
import Synchronization

/// What mstress's threads share: the transfer array blocks move through by atomic exchange,
/// and the per-iteration rendezvous of run_os_threads (the main thread starts the others, runs
/// its own share, joins them). Entries carry the allocating thread's tag in their top 16 bits
/// (user-space addresses fit in 48) so a free can tell whether another thread allocated it.
final class MstressShared: @unchecked Sendable {
    // Sendable: transfer entries are atomic; the semaphores order each iteration's start and
    // end, and `finished` is written before the signal that lets followers read it.
    static let transfers = 1000
    static let addressBits = 48

    let transfer: UnsafeMutablePointer<Atomic<UInt>>
    private let start: [DispatchSemaphore]
    private let done = DispatchSemaphore(value: 0)
    private let finished = Atomic<Bool>(false)

    init(threads: Int) {
        transfer = .harnessAllocate(capacity: Self.transfers)
        for index in 0..<Self.transfers { (transfer + index).initialize(to: Atomic(0)) }
        start = (0..<threads).map { _ in DispatchSemaphore(value: 0) }
    }

    deinit {
        transfer.deinitialize(count: Self.transfers)
        transfer.harnessDeallocate()
    }

    @inline(__always)
    static func tagged(_ block: UnsafeMutableRawPointer?, owner: Int) -> UInt {
        guard let block else { return 0 }
        return UInt(bitPattern: block) | UInt(owner) << addressBits
    }

    @inline(__always)
    static func block(_ entry: UInt) -> UnsafeMutableRawPointer? {
        UnsafeMutableRawPointer(bitPattern: entry & (1 << addressBits - 1))
    }

    @inline(__always)
    static func owner(_ entry: UInt) -> Int { Int(entry >> addressBits) }

    /// Main thread: lets every other thread run one iteration.
    func startIteration() { start.dropFirst().forEach { $0.signal() } }

    /// Main thread: returns when every other thread has finished the iteration.
    func waitForOthers() { for _ in start.dropFirst() { done.wait() } }

    /// Main thread: no more iterations.
    func finish() {
        finished.store(true, ordering: .releasing)
        startIteration()
    }

    /// Thread `thread` (not the main one): waits for the next iteration; false when there is none.
    func awaitIteration(_ thread: Int) -> Bool {
        start[thread].wait()
        return !finished.load(ordering: .acquiring)
    }

    /// Thread `thread`: its iteration is done.
    func finishedIteration() { done.signal() }
}
