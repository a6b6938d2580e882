import Foundation
import XCTest

/// Checks the harness itself on a trivial program, so a broken harness is told apart from a
/// broken app.
final class TmuxHarnessTests: XCTestCase {
    func testSeesOutputTypedTextAndResize() throws {
        let tmux = try Tmux()
        defer { tmux.shutdown() }
        let session = "harness"
        try tmux.start(session: session, cols: 90, rows: 30,
                       command: ["sh", "-c", "printf 'hello\\n'; read line; printf 'got:%s\\n' \"$line\"; sleep 30"])
        try tmux.waitFor(session, text: "hello")
        try tmux.type(session, "héllo 日本")
        try tmux.keys(session, "Enter")
        let screen = try tmux.waitFor(session, text: "got:")
        XCTAssertTrue(screen.contains("got:héllo 日本"), "typed UTF-8 must arrive intact:\n\(screen)")
        try tmux.resize(session, cols: 60, rows: 20)
        let size = try tmux.run(["display-message", "-p", "-t", session, "#{window_width}x#{window_height}"])
        XCTAssertEqual(size.trimmingCharacters(in: .whitespacesAndNewlines), "60x20")
    }

    func testWaitForFailsWhenPatternNeverAppears() throws {
        let tmux = try Tmux()
        defer { tmux.shutdown() }
        try tmux.start(session: "never", cols: 80, rows: 24, command: ["sh", "-c", "printf 'x\\n'; sleep 30"])
        try tmux.waitFor("never", text: "x")
        let start = Date()
        let found = tmux.poll("never", timeout: 0.3) { $0.contains("not-there") }
        XCTAssertNil(found, "waiting for absent text must time out")
        XCTAssertGreaterThanOrEqual(Date().timeIntervalSince(start), 0.3)
    }
}
