import Foundation
import OversightCore
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// `oversight run` without `--participant`: the id screen, driven in tmux with the real binary.
final class ArrivalScreenEndToEndTests: FixtureTestCase {
    private let block = StudyFixture.block("assisted", bank: "quality", questions: 1)

    /// A study whose id screen asks for a "Lab ID" of the form "lab-" and three digits.
    private func labStudy(id: String) throws -> String {
        let path = try fixture.writeStudy(name: "\(id).toml", id: id, blocks: block)
        let text = try String(contentsOfFile: path, encoding: .utf8).replacingOccurrences(
            of: "seed = 11\n", with: "seed = 11\nparticipant_label = \"Lab ID\"\nparticipant_pattern = \"^lab-[0-9]{3}$\"\n")
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func testWrongIdThenRightIdThenQuitAndComeBackToResume() throws {
        let tmux = try Tmux()
        defer { tmux.shutdown() }
        let study = try labStudy(id: "e2e-arrive")
        let args = ["run", "--study", study, "--sessions", fixture.sessions.path]

        try tmux.start(session: "first", cols: 100, rows: 30, command: fixture.command(args, tag: "first"))
        try tmux.waitFor("first", text: "Please type your Lab ID and press Enter.")
        try tmux.type("first", "lab-12")
        try tmux.keys("first", "Enter")
        try tmux.waitFor("first", text: "That does not look like a Lab ID.")
        XCTAssertFalse(FileManager.default.fileExists(atPath: fixture.sessions.path), "nothing is written for a wrong id")
        try tmux.type("first", "3")
        try tmux.keys("first", "Enter")
        try tmux.waitFor("first", text: "Welcome to the end-to-end study")
        try tmux.keys("first", "Enter")
        try tmux.waitFor("first", text: "QUALITY-Q")
        try tmux.keys("first", "C-c")
        try tmux.waitFor("first", text: "Quit?")
        try tmux.type("first", "y")
        let quit = try tmux.waitFor("first", text: "[exit 1]")
        XCTAssertTrue(quit.replacingOccurrences(of: "\n", with: "").contains("--participant=lab-123"),
                      "the way back names the id:\n\(quit)")
        let url = fixture.logURL(study: "e2e-arrive", participant: "lab-123")
        XCTAssertEqual(SessionLogReader.read(url: url).types.first, "session_start")

        try tmux.start(session: "again", cols: 100, rows: 30, command: fixture.command(args, tag: "again"))
        try tmux.waitFor("again", text: "Lab ID:")
        try tmux.type("again", "lab-123")
        try tmux.keys("again", "Enter")
        try tmux.waitFor("again", text: "You have started this study before (at block 1 question 1).")
        try tmux.type("again", "y")
        try tmux.waitFor("again", text: "QUALITY-Q")
        let log = SessionLogReader.read(url: url)
        XCTAssertEqual(log.types.filter { $0 == "session_resume" }.count, 1, "the confirmed resume is logged once")
        XCTAssertEqual(log.types.filter { $0 == "session_start" }.count, 1, "the same session goes on")
    }

    func testAFinishedIdShowsItsCompletionCode() throws {
        let tmux = try Tmux()
        defer { tmux.shutdown() }
        let study = try fixture.writeStudy(name: "s.toml", id: "e2e-done", blocks: block)
        let writer = try SessionLogWriter.create(at: fixture.logURL(study: "e2e-done", participant: "p9"))
        let start = SessionStart(studyID: "e2e-done", studyHash: "", questionsHash: "", seed: 11, appVersion: "test",
                                 participant: "p9", sessionID: "s", feedback: true, confidence: Study.defaultConfidence,
                                 blocks: [], assistantProvider: "simulated", assistantModel: nil)
        try writer.append(.sessionStart(start), monoMs: 0)
        try writer.append(.sessionEnd(completionCode: "abcd1234"), monoMs: 10)
        writer.close()
        let before = try Data(contentsOf: fixture.logURL(study: "e2e-done", participant: "p9"))

        let args = ["run", "--study", study, "--sessions", fixture.sessions.path]
        try tmux.start(session: "done", cols: 100, rows: 30, command: fixture.command(args, tag: "done"))
        try tmux.waitFor("done", text: "Participant ID:")
        try tmux.type("done", "p9")
        try tmux.keys("done", "Enter")
        try tmux.waitFor("done", text: "Your completion code: abcd1234")
        try tmux.keys("done", "Enter")
        try tmux.waitFor("done", text: "Please type your Participant ID")
        try tmux.keys("done", "C-c")
        try tmux.waitFor("done", text: "[exit 1]")
        XCTAssertEqual(try Data(contentsOf: fixture.logURL(study: "e2e-done", participant: "p9")), before,
                       "the finished log is not touched")
    }

    func testCtrlCOnTheIdScreenWritesNothing() throws {
        let tmux = try Tmux()
        defer { tmux.shutdown() }
        let study = try fixture.writeStudy(name: "s.toml", id: "e2e-leave", blocks: block)
        let args = ["run", "--study", study, "--sessions", fixture.sessions.path]
        try tmux.start(session: "leave", cols: 100, rows: 30, command: fixture.command(args, tag: "leave"))
        try tmux.waitFor("leave", text: "Participant ID:")
        try tmux.type("leave", "p1")
        try tmux.keys("leave", "C-c")
        try tmux.waitFor("leave", text: "[exit 1]")
        XCTAssertFalse(FileManager.default.fileExists(atPath: fixture.sessions.path), "no file is written")
        let modes = try fixture.sttyModes(tag: "leave")
        XCTAssertEqual(modes.before, modes.after, "the terminal is restored")
    }

    func testParticipantEnvSkipsTheScreen() throws {
        let tmux = try Tmux()
        defer { tmux.shutdown() }
        let study = try labStudy(id: "e2e-env")
        let args = ["run", "--study", study, "--participant-env", "GATEWAY_PID", "--sessions", fixture.sessions.path]
        try tmux.start(session: "env", cols: 100, rows: 30, command: fixture.command(args, tag: "env"),
                       environment: ["GATEWAY_PID": "lab-007"])
        try tmux.waitFor("env", text: "Welcome to the end-to-end study")
        XCTAssertTrue(FileManager.default.fileExists(atPath: fixture.logURL(study: "e2e-env", participant: "lab-007").path))
    }

    func testParticipantEnvMissingEmptyOrMismatchedIsBadInput() throws {
        let study = try labStudy(id: "e2e-env")
        let args = ["run", "--study", study, "--participant-env", "OVERSIGHT_TEST_UNSET_ID", "--sessions", fixture.sessions.path]
        let (status, _, stderr) = try fixture.runApp(args)
        XCTAssertEqual(status, 2)
        XCTAssertTrue(stderr.contains("--participant-env OVERSIGHT_TEST_UNSET_ID: the environment variable is not set or is empty"),
                      stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: fixture.sessions.path), "nothing may be written")

        let both = try fixture.runApp(["run", "--study", study, "--participant", "lab-001", "--participant-env", "X",
                                       "--sessions", fixture.sessions.path])
        XCTAssertEqual(both.status, 2)
        XCTAssertTrue(both.stderr.contains("cannot be used together"), both.stderr)
    }

    func testParticipantEnvNotMatchingThePatternIsBadInput() throws {
        let study = try labStudy(id: "e2e-env")
        // The app inherits this process's environment.
        setenv("OVERSIGHT_TEST_GATEWAY_ID", "lab-7", 1)
        defer { unsetenv("OVERSIGHT_TEST_GATEWAY_ID") }
        let (status, _, stderr) = try fixture.runApp(["run", "--study", study, "--participant-env",
                                                      "OVERSIGHT_TEST_GATEWAY_ID", "--sessions", fixture.sessions.path])
        XCTAssertEqual(status, 2)
        XCTAssertTrue(stderr.contains("does not match study.participant_pattern"), stderr)
    }
}

extension ArrivalScreenEndToEndTests {
    func testAnIdWhoseSessionRunsElsewhereAsksAgain() throws {
        let tmux = try Tmux()
        defer { tmux.shutdown() }
        let study = try fixture.writeStudy(name: "s.toml", id: "e2e-busy", blocks: block)
        try tmux.start(session: "first", cols: 100, rows: 30,
                       command: fixture.command(["run", "--study", study, "--participant", "p1",
                                                 "--sessions", fixture.sessions.path], tag: "first"))
        try tmux.waitFor("first", text: "Welcome to the end-to-end study")
        let url = fixture.logURL(study: "e2e-busy", participant: "p1")
        let before = try Data(contentsOf: url)

        try tmux.start(session: "second", cols: 100, rows: 30,
                       command: fixture.command(["run", "--study", study, "--sessions", fixture.sessions.path],
                                                tag: "second"))
        try tmux.waitFor("second", text: "Participant ID:")
        try tmux.type("second", "p1")
        try tmux.keys("second", "Enter")
        try tmux.waitFor("second", text: "The session of p1 is already running on another terminal.")
        let after = try Data(contentsOf: url)
        XCTAssertEqual(after.prefix(before.count), before, "the second terminal does not touch the log")
        // Another id still works from the same screen.
        try tmux.keys("second", "BSpace")
        try tmux.type("second", "2")
        try tmux.keys("second", "Enter")
        try tmux.waitFor("second", text: "Welcome to the end-to-end study")
    }
}
