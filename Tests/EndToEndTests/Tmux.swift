import Foundation
import TmuxSupport
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// Failures of the tmux harness (the shared target's type, named here for the test files).
typealias TmuxError = TmuxSupport.TmuxError

/// A private tmux server (`TmuxServer`) with the test-side helpers: sessions started with a
/// UTF-8 locale and a known terminal type, keys typed as a participant would, and waiting by
/// polling the screen for a pattern with a deadline (failing the test with the last screen).
final class Tmux {
    private let server: TmuxServer

    var socket: String { server.socket }

    /// A fresh server name; throws XCTSkip when tmux is absent.
    init() throws {
        guard TmuxServer.executable != nil else { throw XCTSkip("tmux is not installed") }
        server = try TmuxServer(socketPrefix: "oversight-e2e")
    }

    /// Starts a detached session running `command` in a `cols` x `rows` window.
    func start(session: String, cols: Int, rows: Int, command: [String],
               environment extra: [String: String] = [:], file: StaticString = #filePath,
               line: UInt = #line) throws {
        let envPrefix = ["env", "LANG=C.UTF-8", "TERM=tmux-256color"]
            + extra.sorted(by: { $0.key < $1.key }).map { "\($0.key)=\($0.value)" }
        let status = try server.newSession(session, cols: cols, rows: rows, command: envPrefix + command)
        if status != 0 {
            XCTFail("tmux new-session exited with status \(status)", file: file, line: line)
            throw TmuxError.failed("new-session", status, "")
        }
    }

    /// Runs a tmux client command and returns its standard output.
    @discardableResult
    func run(_ args: [String]) throws -> String {
        try server.run(args)
    }

    /// The visible screen of the session as text lines.
    func capture(_ session: String) throws -> String {
        try server.capture(session)
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
        try server.panePID(session)
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
        server.shutdown()
    }
}
