import Foundation
import OversightCore
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// What the commands print when something is off: a resume line that can be pasted, a damaged
/// log refused before any question, bounded problem lists, escaped ids.
final class CommandMessageTests: FixtureTestCase {
    private let block = StudyFixture.block("assisted", bank: "quality", questions: 1)

    /// A study path with a space and a participant id starting with '-': the printed resume
    /// line, pasted into a shell as it is, continues the session.
    func testResumeHintIsPasteable() throws {
        let tmux = try Tmux()
        defer { tmux.shutdown() }
        let study = try fixture.writeStudy(name: "my study.toml", id: "e2e-hint", blocks: block)
        let sessions = fixture.dir.appendingPathComponent("my sessions").path
        let args = ["run", "--study", study, "--participant=-rf", "--sessions", sessions]
        try tmux.start(session: "first", cols: 200, rows: 30, command: fixture.command(args, tag: "first"))
        try tmux.waitFor("first", text: "Welcome to the end-to-end study")
        try tmux.keys("first", "Enter")
        try tmux.waitFor("first", text: "QUALITY-Q")
        try tmux.keys("first", "C-c")
        try tmux.waitFor("first", text: "Quit?")
        try tmux.type("first", "y")
        try tmux.waitFor("first", text: "[exit 1]")
        let joined = try tmux.run(["capture-pane", "-p", "-J", "-t", "first"])
        let lines = joined.split(separator: "\n").map(String.init)
        let at = try XCTUnwrap(lines.firstIndex { $0.contains("can be continued with:") }, joined)
        let hint = lines[at + 1].trimmingCharacters(in: .whitespaces)
        XCTAssertTrue(hint.contains("--participant=-rf"), hint)
        XCTAssertTrue(hint.contains("'\(study)'"), hint)

        try tmux.start(session: "pasted", cols: 120, rows: 40, command: ["sh", "-c", hint + "; echo \"[exit $?]\"; exec sleep 600"])
        try tmux.waitFor("pasted", text: "QUALITY-Q")
        let log = SessionLogReader.read(url: SessionPaths.logURL(root: URL(fileURLWithPath: sessions), studyID: "e2e-hint",
                                                                 participant: "-rf"))
        XCTAssertEqual(log.types.filter { $0 == "session_resume" }.count, 1, "the pasted line resumed the session")
    }

    func testDamagedLogIsRefusedBeforeTheResumeQuestion() throws {
        let study = try fixture.writeStudy(name: "s.toml", id: "e2e-damaged", blocks: block)
        let url = fixture.logURL(study: "e2e-damaged", participant: "p4")
        let writer = try SessionLogWriter.create(at: url)
        let start = SessionStart(studyID: "e2e-damaged", studyHash: "", questionsHash: "", seed: 11, appVersion: "test",
                                 participant: "p4", sessionID: "s", feedback: true, confidence: Study.defaultConfidence,
                                 blocks: [], assistantProvider: "simulated", assistantModel: nil)
        try writer.append(.sessionStart(start), monoMs: 0)
        try writer.append(.instructionsShown, monoMs: 10)
        try writer.append(.resized(cols: 80, rows: 24), monoMs: 20)
        writer.close()
        var text = try String(contentsOf: url, encoding: .utf8)
        text = text.replacingOccurrences(of: "\"seed\":11", with: "\"seed\":12")
        try text.write(to: url, atomically: true, encoding: .utf8)
        let (status, stdout, stderr) = try fixture.runApp(["run", "--study", study, "--participant", "p4",
                                                           "--sessions", fixture.sessions.path])
        XCTAssertEqual(status, 2, stderr)
        XCTAssertTrue(stderr.contains("\(url.path): cannot continue a damaged log"), stderr)
        XCTAssertFalse(stdout.contains("Resume the session"), stdout)
        XCTAssertFalse(stderr.contains("terminal"), "refused before the terminal is even looked at: \(stderr)")
    }

    func testBrokenTaskFilePrintsAtMostTwentyProblems() throws {
        let url = fixture.dir.appendingPathComponent("junk_val.csv")
        try String(repeating: "only,two\n", count: 3_000).write(to: url, atomically: true, encoding: .utf8)
        let (status, _, stderr) = try fixture.runApp(["tasks", "check", url.path])
        XCTAssertEqual(status, 2)
        let lines = stderr.split(separator: "\n")
        XCTAssertEqual(lines.count, 21, stderr)
        XCTAssertTrue(lines.last?.hasPrefix("\(url.path): … and ") ?? false, stderr)
        XCTAssertTrue(lines.last?.hasSuffix(" more problems") ?? false, stderr)
    }

    func testControlCharactersInAParticipantIdAreEscaped() throws {
        let study = try fixture.writeStudy(name: "s.toml", id: "e2e-esc", blocks: block)
        let (status, _, stderr) = try fixture.runApp(["run", "--study", study, "--participant", "p\u{1B}[2J\u{7}",
                                                      "--sessions", fixture.sessions.path])
        XCTAssertEqual(status, 2)
        XCTAssertTrue(stderr.contains(#"invalid participant id "p\u{1B}[2J\u{7}""#), stderr)
        XCTAssertFalse(stderr.contains("\u{1B}") || stderr.contains("\u{7}"), "raw control characters: \(stderr)")
    }
}
