import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A private tmux server running programs in detached sessions: what the end-to-end tests and
/// the launch and paint benchmarks drive the real binary with.
///
/// Each instance owns its own server socket (`tmux -S`), so it never touches a user's tmux and
/// several can run side by side. Sessions are started with `posix_spawnp` + `waitpid`, stdio on
/// /dev/null and an empty signal mask: a tmux server started through Foundation's `Process`
/// inherits the pipe `Process` waits on and the wait never ends. Later client calls (which
/// return at once) go through `Process`.
package final class TmuxServer: Sendable {
    /// Path of the tmux executable, nil when it is not installed.
    package static let executable: String? = {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for dir in path.split(separator: ":") {
            let candidate = "\(dir)/tmux"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }()

    /// The server's socket file.
    package let socket: String
    private let tmux: String

    /// A server (not started yet) on a fresh socket in the temporary folder whose name begins
    /// with `prefix`; throws `TmuxError.notInstalled` when tmux is absent.
    package init(socketPrefix prefix: String) throws {
        guard let tmux = Self.executable else { throw TmuxError.notInstalled }
        self.tmux = tmux
        // A socket path of our own (rather than `-L name` under tmux's shared folder), so the
        // file can be removed when the server stops.
        socket = FileManager.default.temporaryDirectory
            .appendingPathComponent("\(prefix)-\(getpid())-\(UUID().uuidString.prefix(8)).sock").path
    }

    /// The environment tmux and the programs in it get: a UTF-8 locale, a known terminal type,
    /// and no link to any tmux the caller itself may run in.
    package static func environment(extra: [String: String] = [:]) -> [String: String] {
        var env = ProcessInfo.processInfo.environment
        env["TMUX"] = nil
        env["TMUX_PANE"] = nil
        env["LANG"] = "C.UTF-8"
        env["LC_ALL"] = nil
        env["TERM"] = "xterm-256color"
        for (k, v) in extra { env[k] = v }
        return env
    }

    /// Starts a detached `cols` x `rows` session named `session` running `command` (starting the
    /// server if needed), and returns tmux's exit status (0 when the session is up).
    package func newSession(_ session: String, cols: Int, rows: Int, command: [String]) throws -> Int32 {
        try Self.spawnAndWait([tmux, "-S", socket, "-f", "/dev/null", "new-session", "-d", "-s", session,
                               "-x", String(cols), "-y", String(rows), "--"] + command,
                              environment: Self.environment())
    }

    /// Runs a tmux client command and returns its standard output; throws when it fails.
    @discardableResult
    package func run(_ args: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tmux)
        process.arguments = ["-S", socket] + args
        process.environment = Self.environment()
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        if process.terminationStatus != 0 {
            throw TmuxError.failed(args.first ?? "", process.terminationStatus,
                                   String(decoding: errData, as: UTF8.self))
        }
        return text
    }

    /// The visible screen of a session as text lines.
    package func capture(_ session: String) throws -> String {
        try run(["capture-pane", "-p", "-t", session])
    }

    /// Process id of the program running in the session's pane.
    package func panePID(_ session: String) throws -> pid_t {
        let text = try run(["display-message", "-p", "-t", session, "#{pane_pid}"])
        guard let pid = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw TmuxError.failed("display-message", 0, "no pane pid in \(text)")
        }
        return pid
    }

    /// Stops the server and everything in it, and removes its socket.
    package func shutdown() {
        _ = try? run(["kill-server"])
        try? FileManager.default.removeItem(atPath: socket)
    }

    /// Starts a process with an empty signal mask, default signal actions and stdio on
    /// /dev/null, and waits for it. Returns its exit status (128 + the signal when killed).
    package static func spawnAndWait(_ args: [String], environment: [String: String]) throws -> Int32 {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for fd: Int32 in [0, 1, 2] {
            posix_spawn_file_actions_addopen(&actions, fd, "/dev/null", fd == 0 ? O_RDONLY : O_WRONLY, 0)
        }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for sig in [SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGCHLD] { sigaddset(&defaults, sig) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let argv: [UnsafeMutablePointer<CChar>?] = args.map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for p in argv { free(p) }
            for p in envp { free(p) }
        }
        var pid: pid_t = 0
        let rc = posix_spawnp(&pid, args[0], &actions, &attributes, argv, envp)
        guard rc == 0 else { throw TmuxError.failed("posix_spawnp \(args[0])", rc, String(cString: strerror(rc))) }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            if errno != EINTR { throw TmuxError.failed("waitpid", errno, "") }
        }
        // WIFEXITED / WEXITSTATUS are macros: decode by hand.
        if status & 0x7F == 0 { return (status >> 8) & 0xFF }
        return 128 + (status & 0x7F)
    }
}

/// Failures of a tmux server.
package enum TmuxError: Error, CustomStringConvertible {
    case notInstalled
    case failed(String, Int32, String)
    case timeout(String)

    package var description: String {
        switch self {
        case .notInstalled: "tmux is not installed"
        case .failed(let what, let code, let message): "tmux \(what) failed (\(code)): \(message)"
        case .timeout(let what): "timed out waiting for \(what)"
        }
    }
}
