import Foundation
import Synchronization

/// A request to stop a run, set by SIGINT or SIGTERM (or a test): the runner checks it between
/// cells and while it waits on a child, kills the child, drops that unfinished cell and
/// returns the rows it has.
public final class StopRequest: Sendable {
    /// The signal that asked, 0 while none has.
    private let signal = Atomic<Int32>(0)

    public init() {}

    /// The first request wins, so the message names the signal that stopped the run.
    public func request(_ signal: Int32) {
        _ = self.signal.compareExchange(expected: 0, desired: signal, ordering: .relaxed)
    }

    public var received: Int32? {
        let value = signal.load(ordering: .relaxed)
        return value == 0 ? nil : value
    }

    /// The one the signal handlers set.
    public static let signals = StopRequest()

    /// SIGINT and SIGTERM request a stop instead of killing the process. The handler only
    /// stores an atomic (async-signal-safe) and restores the default action, so a second
    /// Ctrl-C kills at once if stopping ever takes too long. Both are unblocked on the calling
    /// thread: a process started from a Dispatch worker inherits its mask, which blocks them.
    public static func installSignalHandlers() {
        _ = signals.received // initialises the global before a handler can touch it
        var unblocked = sigset_t()
        sigemptyset(&unblocked)
        for name in [SIGINT, SIGTERM] {
            sigaddset(&unblocked, name)
            Glibc.signal(name) { received in
                StopRequest.signals.request(received)
                Glibc.signal(received, SIG_DFL)
            }
        }
        pthread_sigmask(SIG_UNBLOCK, &unblocked, nil)
    }
}
