import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// A private tmux server driving real programs in detached sessions, for end-to-end tests.
///
/// Each instance owns its own server socket (`tmux -S`), so tests never touch a user's tmux
/// and can run side by side. The first session is started with `posix_spawnp` + `waitpid`
/// (the server must not inherit a pipe a `Process` would wait on); later client calls go
/// through `Process`. Waiting is done by polling the screen for a pattern with a deadline.
final class Tmux {
    /// Path of the tmux executable, nil when it is not installed.
    static let executable: String? = {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for dir in path.split(separator: ":") {
            let candidate = "\(dir)/tmux"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }()

    let socket: String
    private let tmux: String

    /// A fresh server name; throws XCTSkip when tmux is absent.
    init() throws {
        guard let tmux = Self.executable else { throw XCTSkip("tmux is not installed") }
        self.tmux = tmux
        // A socket path of our own (rather than `-L name` under tmux's shared folder), so the
        // file can be removed when the server stops.
        socket = FileManager.default.temporaryDirectory
            .appendingPathComponent("oversight-e2e-\(getpid())-\(UUID().uuidString.prefix(8)).sock").path
    }

    /// The environment tmux and the programs in it get: a UTF-8 locale, a known terminal type,
    /// and no link to any tmux the tests themselves may run in.
    private static func environment(extra: [String: String]) -> [String: String] {
        var env = ProcessInfo.processInfo.environment
        env["TMUX"] = nil
        env["TMUX_PANE"] = nil
        env["LANG"] = "C.UTF-8"
        env["LC_ALL"] = nil
        env["TERM"] = "xterm-256color"
        for (k, v) in extra { env[k] = v }
        return env
    }

    /// Starts a detached session running `command` in a `cols` x `rows` window.
    func start(session: String, cols: Int, rows: Int, command: [String],
               environment extra: [String: String] = [:], file: StaticString = #filePath,
               line: UInt = #line) throws {
        let envPrefix = ["env", "LANG=C.UTF-8", "TERM=tmux-256color"]
            + extra.sorted(by: { $0.key < $1.key }).map { "\($0.key)=\($0.value)" }
        let args = [tmux, "-S", socket, "-f", "/dev/null", "new-session", "-d", "-s", session,
                    "-x", String(cols), "-y", String(rows), "--"] + envPrefix + command
        let status = try Self.spawnAndWait(args, environment: Self.environment(extra: [:]))
        if status != 0 {
            XCTFail("tmux new-session exited with status \(status)", file: file, line: line)
            throw TmuxError.failed("new-session", status, "")
        }
    }

    /// Runs a tmux client command and returns its standard output.
    @discardableResult
    func run(_ args: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tmux)
        process.arguments = ["-S", socket] + args
        process.environment = Self.environment(extra: [:])
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

    /// The visible screen of the session as text lines.
    func capture(_ session: String) throws -> String {
        try run(["capture-pane", "-p", "-t", session])
    }

    /// Types literal text (UTF-8 included), as a participant would.
    func type(_ session: String, _ text: String) throws {
        try run(["send-keys", "-t", session, "-l", "--", text])
    }

    /// Sends named keys (`Enter`, `F4`, `C-r`, `BTab`, `PageDown`, ...).
    func keys(_ session: String, _ names: String...) throws {
        try run(["send-keys", "-t", session] + names)
    }

    /// Resizes the session's window.
    func resize(_ session: String, cols: Int, rows: Int) throws {
        try run(["resize-window", "-t", session, "-x", String(cols), "-y", String(rows)])
    }

    /// Whether the session still exists.
    func hasSession(_ session: String) -> Bool {
        (try? run(["has-session", "-t", session])) != nil
    }

    /// Process id of the program running in the session's pane.
    func panePID(_ session: String) throws -> pid_t {
        let text = try run(["display-message", "-p", "-t", session, "#{pane_pid}"])
        guard let pid = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw TmuxError.failed("display-message", 0, "no pane pid in \(text)")
        }
        return pid
    }

    /// Polls the screen every 50 ms until `predicate` holds, failing with the last screen when
    /// the deadline passes. Returns the matching screen.
    @discardableResult
    func waitFor(_ session: String, timeout: TimeInterval = 10, _ what: String,
                 file: StaticString = #filePath, line: UInt = #line,
                 _ predicate: (String) -> Bool) throws -> String {
        var screen = ""
        if let found = poll(session, timeout: timeout, last: &screen, predicate) { return found }
        XCTFail("timed out after \(timeout) s waiting for \(what); screen was:\n\(screen)", file: file, line: line)
        throw TmuxError.timeout(what)
    }

    /// Polls the screen every 50 ms until `predicate` holds; nil when the deadline passes.
    func poll(_ session: String, timeout: TimeInterval, _ predicate: (String) -> Bool) -> String? {
        var screen = ""
        return poll(session, timeout: timeout, last: &screen, predicate)
    }

    private func poll(_ session: String, timeout: TimeInterval, last screen: inout String,
                      _ predicate: (String) -> Bool) -> String? {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            screen = (try? capture(session)) ?? screen
            if predicate(screen) { return screen }
            if Date() >= deadline { return nil }
            usleep(50_000)
        }
    }

    /// Waits until the screen contains `text`.
    @discardableResult
    func waitFor(_ session: String, text: String, timeout: TimeInterval = 10,
                 file: StaticString = #filePath, line: UInt = #line) throws -> String {
        try waitFor(session, timeout: timeout, "\"\(text)\"", file: file, line: line) { $0.contains(text) }
    }

    /// Stops the private server and everything in it.
    func shutdown() {
        _ = try? run(["kill-server"])
        try? FileManager.default.removeItem(atPath: socket)
    }

    /// Starts a process with an empty signal mask and stdio on /dev/null, and waits for it.
    static func spawnAndWait(_ args: [String], environment: [String: String]) throws -> Int32 {
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

/// Failures of the tmux harness.
enum TmuxError: Error, CustomStringConvertible {
    case failed(String, Int32, String)
    case timeout(String)

    var description: String {
        switch self {
        case .failed(let what, let code, let message): "tmux \(what) failed (\(code)): \(message)"
        case .timeout(let what): "timed out waiting for \(what)"
        }
    }
}
