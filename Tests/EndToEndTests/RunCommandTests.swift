import Foundation
import OversightCore
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// `oversight run` outside the screen: input errors, finished sessions, the resume question,
/// and a terminal that goes away.
final class RunCommandTests: FixtureTestCase {
    private let block = StudyFixture.block("assisted", bank: "quality", questions: 1)

    func testInvalidParticipantIsBadInput() throws {
        let study = try fixture.writeStudy(name: "s.toml", id: "e2e-cli", blocks: block)
        let (status, _, stderr) = try fixture.runApp(["run", "--study", study, "--participant", "no spaces!",
                                           "--sessions", fixture.sessions.path])
        XCTAssertEqual(status, 2)
        XCTAssertTrue(stderr.contains("invalid participant id"), stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: fixture.sessions.path), "nothing may be written")
    }

    func testAnIdThatWouldNameAnotherKindOfFileIsRefused() throws {
        // baseline-x.jsonl would be read as the model's results and its answers never scored.
        let study = try fixture.writeStudy(name: "s.toml", id: "e2e-cli", blocks: block)
        for id in ["baseline-x", "stance-1", "assignments"] {
            let (status, _, stderr) = try fixture.runApp(["run", "--study", study, "--participant", id,
                                                          "--sessions", fixture.sessions.path])
            XCTAssertEqual(status, 2, id)
            XCTAssertTrue(stderr.contains("participant id \"\(id)\" cannot be used"), stderr)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: fixture.sessions.path), "nothing may be written")
    }

    func testBadStudyFileNamesFileAndLine() throws {
        let url = fixture.dir.appendingPathComponent("bad.toml")
        try "[study]\nid = \"x\"\nseed = 1\nfeedbak = true\n".write(to: url, atomically: true, encoding: .utf8)
        let (status, _, stderr) = try fixture.runApp(["run", "--study", url.path, "--participant", "p1",
                                           "--sessions", fixture.sessions.path])
        XCTAssertEqual(status, 2)
        XCTAssertTrue(stderr.contains("\(url.path):4:"), "the error names the file and line: \(stderr)")
    }

    func testConflictingResumeFlags() throws {
        let study = try fixture.writeStudy(name: "s.toml", id: "e2e-cli", blocks: block)
        let (status, _, stderr) = try fixture.runApp(["run", "--study", study, "--participant", "p1", "--resume", "--no-resume"])
        XCTAssertEqual(status, 2)
        XCTAssertTrue(stderr.contains("--resume and --no-resume"), stderr)
    }

    func testWithoutATerminalSaysSo() throws {
        let study = try fixture.writeStudy(name: "s.toml", id: "e2e-cli", blocks: block)
        let (status, _, stderr) = try fixture.runApp(["run", "--study", study, "--participant", "p1",
                                           "--sessions", fixture.sessions.path])
        XCTAssertEqual(status, 1)
        XCTAssertTrue(stderr.contains("needs an interactive terminal"), stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: fixture.logURL(study: "e2e-cli", participant: "p1").path),
                       "no log is started without a terminal")
    }

    func testFinishedSessionIsNotRunAgain() throws {
        let study = try fixture.writeStudy(name: "s.toml", id: "e2e-cli", blocks: block)
        let writer = try SessionLogWriter.create(at: fixture.logURL(study: "e2e-cli", participant: "p9"))
        let start = SessionStart(studyID: "e2e-cli", studyHash: "", questionsHash: "", seed: 11, appVersion: "test",
                                 participant: "p9", sessionID: "s", feedback: true, confidence: Study.defaultConfidence,
                                 blocks: [], assistantProvider: "simulated", assistantModel: nil)
        try writer.append(.sessionStart(start), monoMs: 0)
        try writer.append(.sessionEnd(completionCode: "abcd1234"), monoMs: 10)
        writer.close()
        let (status, _, stderr) = try fixture.runApp(["run", "--study", study, "--participant", "p9",
                                           "--sessions", fixture.sessions.path])
        XCTAssertEqual(status, 1)
        XCTAssertTrue(stderr.contains("already finished"), stderr)
        XCTAssertTrue(stderr.contains("its completion code is abcd1234"), "the code is shown again: \(stderr)")
    }

    func testResumeQuestionOnThePlainTerminal() throws {
        let tmux = try Tmux()
        defer { tmux.shutdown() }
        let study = try fixture.writeStudy(name: "s.toml", id: "e2e-ask", blocks: block)
        let args = ["run", "--study", study, "--participant", "p7", "--sessions", fixture.sessions.path]
        try tmux.start(session: "first", cols: 100, rows: 30, command: fixture.command(args, tag: "first"))
        try tmux.waitFor("first", text: "Welcome to the end-to-end study")
        try tmux.keys("first", "Enter")
        try tmux.waitFor("first", text: "QUALITY-Q")
        try tmux.keys("first", "C-c")
        try tmux.waitFor("first", text: "Quit?")
        try tmux.type("first", "y")
        let after = try tmux.waitFor("first", text: "[exit 1]")
        XCTAssertTrue(after.contains("--resume"), "the way back is shown after quitting:\n\(after)")

        try tmux.start(session: "no", cols: 100, rows: 30, command: fixture.command(args, tag: "no"))
        try tmux.waitFor("no", text: "Resume the session of p7 at block 1 question 1? [Y/n]")
        try tmux.type("no", "n")
        try tmux.keys("no", "Enter")
        try tmux.waitFor("no", text: "[exit 1]")

        try tmux.start(session: "yes", cols: 100, rows: 30, command: fixture.command(args, tag: "yes"))
        try tmux.waitFor("yes", text: "[Y/n]")
        try tmux.keys("yes", "Enter")
        try tmux.waitFor("yes", text: "QUALITY-Q")
        let log = SessionLogReader.read(url: fixture.logURL(study: "e2e-ask", participant: "p7"))
        XCTAssertEqual(log.types.filter { $0 == "session_resume" }.count, 1, "only the accepted resume is logged")
    }

    func testLostTerminalIsLoggedAsHangup() throws {
        let tmux = try Tmux()
        defer { tmux.shutdown() }
        let study = try fixture.writeStudy(name: "s.toml", id: "e2e-hup", blocks: block)
        let args = ["run", "--study", study, "--participant", "p8", "--sessions", fixture.sessions.path]
        let app = ([fixture.binary] + args).map(StudyFixture.quote).joined(separator: " ")
        try tmux.start(session: "hup", cols: 100, rows: 30, command: ["sh", "-c", "exec \(app)"])
        try tmux.waitFor("hup", text: "Welcome to the end-to-end study")
        let pid = try tmux.panePID("hup")
        try tmux.run(["kill-session", "-t", "hup"])
        let url = fixture.logURL(study: "e2e-hup", participant: "p8")
        let deadline = Date().addingTimeInterval(10)
        while kill(pid, 0) == 0 && Date() < deadline { usleep(50_000) }
        XCTAssertNotEqual(kill(pid, 0), 0, "the app must exit when its terminal goes away")
        let log = SessionLogReader.read(url: url)
        guard case .quit(let reason)? = log.records.last?.event else { return XCTFail("no quit record: \(log.types)") }
        XCTAssertEqual(reason, "hangup")
    }
}
