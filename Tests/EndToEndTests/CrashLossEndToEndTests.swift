import Foundation
import OversightCore
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// `kill -9` on the real binary: how much active time the log has lost.
final class CrashLossEndToEndTests: XCTestCase {
    private var tmux: Tmux!
    private var fixture: StudyFixture!

    override func setUpWithError() throws {
        tmux = try Tmux()
        fixture = try StudyFixture()
    }

    override func tearDown() {
        tmux?.shutdown()
        tmux = nil
        fixture = nil
    }

    /// An untimed, unaided question left alone for seconds, then `kill -9`: the log's last
    /// record is at most 2 s older than the moment of the kill.
    func testKillDuringAnUntimedQuestionLosesAtMostTwoSeconds() throws {
        let s = "untimed-kill"
        let study = try fixture.writeStudy(name: "untimed.toml", id: "e2e-untimed", blocks: """
            [[blocks]]
            condition = "unaided"
            bank = "mmlu"
            questions = 2
            """)
        let log = fixture.logURL(study: "e2e-untimed", participant: "p9")
        let args = ["run", "--study", study, "--participant", "p9", "--sessions", fixture.sessions.path]
        let app = ([fixture.binary] + args).map(StudyFixture.quote).joined(separator: " ")
        try tmux.start(session: s, cols: 100, rows: 30, command: ["sh", "-c", "exec \(app)"])
        try tmux.waitFor(s, text: "Welcome to the end-to-end study")
        try tmux.keys(s, "Enter")
        try tmux.waitFor(s, text: "MMLU-Q")
        // Let the participant think: wait (with a deadline) until 4 s of the question are logged.
        let deadline = Date().addingTimeInterval(30)
        var read = SessionLogReader.read(url: log)
        func shownAt(_ r: LogReadResult) -> Int64? { r.records.last { $0.event.type == "question_shown" }?.monoMs }
        while !(shownAt(read).map { start in (read.records.last?.monoMs ?? 0) - start >= 4_000 } ?? false) {
            guard Date() < deadline else { return XCTFail("no 4 s of the question in the log; types: \(read.types)") }
            usleep(100_000)
            read = SessionLogReader.read(url: log)
        }
        kill(try tmux.panePID(s), SIGKILL)
        let killedAt = Int64(Date().timeIntervalSince1970 * 1000)
        try tmux.waitFor(s, timeout: 5, "the pane to close") { _ in !self.tmux.hasSession(s) }
        let after = SessionLogReader.read(url: log)
        let last = try XCTUnwrap(after.records.last)
        XCTAssertEqual(last.event.type, "heartbeat", "heartbeats on an untimed question: \(after.types.suffix(5))")
        XCTAssertLessThanOrEqual(killedAt - last.wallMs, 2_000, "active time lost by the kill")
        XCTAssertGreaterThanOrEqual(after.types.filter { $0 == "heartbeat" }.count, 3)
    }
}
