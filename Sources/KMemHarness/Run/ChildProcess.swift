import Foundation

/// A child process started with posix_spawn whose end is learned from waitpid itself, never
/// from a callback: under Address Sanitizer Foundation's `terminationHandler` once never
/// fired for a child that had exited, and the run waited on it for good. Every wait here has
/// a deadline.
struct ChildProcess {
    enum Exit: Equatable, Sendable {
        case exited(Int32)
        case signaled(Int32)
        /// Reaped by someone else (a waitpid(-1) elsewhere in the process): status unknown.
        case lost
    }

    let pid: pid_t

    /// Starts `executable` with `arguments` and exactly `environment`, standard input from
    /// /dev/null and standard output and error into the files named (created or truncated).
    /// The child gets its own process group, so a terminal's Ctrl-C reaches only the parent,
    /// which then stops the child itself; and the default SIGINT and SIGTERM actions with no
    /// signal blocked, whatever the parent did with them.
    static func spawn(_ executable: String, _ arguments: [String], environment: [String: String],
                      stdout: String, stderr: String) throws(CellFailure) -> ChildProcess {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, stdout, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, stderr, O_WRONLY | O_CREAT | O_TRUNC, 0o600)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaults = sigset_t(), none = sigset_t()
        sigemptyset(&defaults)
        sigaddset(&defaults, SIGINT)
        sigaddset(&defaults, SIGTERM)
        sigemptyset(&none)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETPGROUP))

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var pid = pid_t()
        let error = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        guard error == 0 else { throw CellFailure("cannot start \(executable): \(String(cString: strerror(error)))") }
        return ChildProcess(pid: pid)
    }

    /// Polls waitpid until the child has ended (and is reaped), `deadline` passes, or
    /// `keepWaiting` says stop; nil while it still runs. Polling rather than a SIGCHLD
    /// handler: nothing can be missed, and a cell's end is seen within 20 ms.
    func wait(until deadline: ContinuousClock.Instant, while keepWaiting: () -> Bool = { true }) -> Exit? {
        var pause = 1_000 as useconds_t
        while true {
            var status: Int32 = 0
            let reaped = waitpid(pid, &status, WNOHANG)
            if reaped == pid { return Self.decode(status) }
            if reaped == -1 && errno == ECHILD { return .lost }
            if ContinuousClock.now >= deadline || !keepWaiting() { return nil }
            usleep(pause)
            pause = min(pause * 2, 20_000)
        }
    }

    /// SIGTERM, up to `grace` for the child to go, then SIGKILL and up to 10 s to reap it:
    /// its exit, or nil if even SIGKILL did not end it in time (a task stuck in the kernel).
    func terminate(grace: Duration = .seconds(2)) -> Exit? {
        kill(pid, SIGTERM)
        if let exit = wait(until: .now + grace) { return exit }
        kill(pid, SIGKILL)
        return wait(until: .now + .seconds(10))
    }

    /// waitpid's status word: the low 7 bits are the terminating signal, 0 for a normal exit
    /// whose code is the next byte (glibc's WIFSIGNALED and WEXITSTATUS, which Swift does not
    /// import). No WUNTRACED, so stopped children are never reported.
    static func decode(_ status: Int32) -> Exit {
        let signal = status & 0x7f
        return signal == 0 ? .exited((status >> 8) & 0xff) : .signaled(signal)
    }
}
