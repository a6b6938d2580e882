import Foundation
import OversightCore
import XCTest

/// `oversight monitor` against a real `oversight run` in tmux: `--once --format json` while the
/// participant is on a question and after they quit, and the live view following a row.
final class MonitorCommandTests: XCTestCase {
    private var fixture: StudyFixture!
    private var tmux: Tmux!

    override func setUpWithError() throws {
        fixture = try StudyFixture()
        tmux = try Tmux()
    }

    override func tearDown() {
        tmux?.shutdown()
        tmux = nil
        fixture = nil
    }

    private let block = StudyFixture.block("unaided", bank: "mmlu", questions: 2)

    private func monitorJSON(_ folder: String) throws -> [[String: Any]] {
        let (status, stdout, stderr) = try fixture.runApp(["monitor", folder, "--once", "--format", "json"])
        XCTAssertEqual(status, 0, stderr)
        let parsed = try JSONSerialization.jsonObject(with: Data(stdout.utf8), options: [.fragmentsAllowed])
        guard let rows = parsed as? [[String: Any]] else {
            XCTFail("not a JSON array of objects: \(stdout)")
            return []
        }
        return rows
    }

    private func answer(_ s: String) throws {
        try tmux.keys(s, "F3")
        try tmux.type(s, "b")
        try tmux.type(s, "3")
        try tmux.waitFor(s, text: "Press Enter to submit")
        try tmux.keys(s, "Enter")
        try tmux.waitFor(s, text: "Press Enter to continue")
        try tmux.keys(s, "Enter")
    }

    func testOnceJSONWhileActiveAndAfterQuit() throws {
        let study = try fixture.writeStudy(name: "m.toml", id: "e2e-mon", blocks: block)
        let folder = fixture.sessions.appendingPathComponent("e2e-mon").path
        let log = fixture.logURL(study: "e2e-mon", participant: "p1")
        try tmux.start(session: "run", cols: 100, rows: 30, command: fixture.command(
            ["run", "--study", study, "--participant", "p1", "--sessions", fixture.sessions.path], tag: "run"))
        try tmux.waitFor("run", text: "Welcome to the end-to-end study")
        try tmux.keys("run", "Enter")
        try tmux.waitFor("run", text: "MMLU-Q")
        try answer("run")
        try tmux.waitFor("run", "the second question") { $0.contains("MMLU-Q") && !$0.contains("Press Enter to continue") }

        // The run holds its lock; the monitor neither waits for it nor touches anything.
        XCTAssertTrue(FileManager.default.fileExists(atPath: log.path + ".lock"))
        let filesBefore = try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
        let active = try monitorJSON(folder)
        XCTAssertEqual(active.count, 1, "\(active)")
        let row = active.first ?? [:]
        XCTAssertEqual(Set(row.keys), ["participant", "status", "block", "question", "answers", "seconds_since_last_event"])
        XCTAssertEqual(row["participant"] as? String, "p1")
        XCTAssertEqual(row["status"] as? String, "active")
        XCTAssertEqual(row["block"] as? Int, 1)
        XCTAssertEqual(row["question"] as? Int, 2)
        XCTAssertEqual(row["answers"] as? Int, 1)
        XCTAssertLessThanOrEqual(row["seconds_since_last_event"] as? Int ?? 99, 15)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder).sorted(), filesBefore)

        try tmux.keys("run", "C-c")
        try tmux.waitFor("run", text: "Quit?")
        try tmux.type("run", "y")
        try tmux.waitFor("run", text: "[exit 1]")
        let logBytes = try Data(contentsOf: log)
        let quit = try monitorJSON(folder)
        XCTAssertEqual(quit.first?["status"] as? String, "quit")
        XCTAssertEqual(quit.first?["answers"] as? Int, 1)
        XCTAssertEqual(try Data(contentsOf: log), logBytes, "the monitor changes no log")

        let text = try fixture.runApp(["monitor", folder, "--once"])
        XCTAssertEqual(text.status, 0, text.stderr)
        XCTAssertTrue(text.stdout.contains("1 participant: 0 active, 0 idle, 1 quit, 0 finished"), text.stdout)
        XCTAssertTrue(text.stdout.split(separator: "\n").contains { $0.hasPrefix("p1 ") && $0.contains(" quit ") },
                      text.stdout)

        let missing = try fixture.runApp(["monitor", folder + "/nope", "--once"])
        XCTAssertEqual(missing.status, 2)
        XCTAssertEqual(missing.stderr, "oversight monitor: \(folder)/nope: no such folder\n")
    }

    func testLiveViewFollowsARow() throws {
        let study = try fixture.writeStudy(name: "m.toml", id: "e2e-live", blocks: block)
        let folder = fixture.sessions.appendingPathComponent("e2e-live")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try tmux.start(session: "mon", cols: 110, rows: 20, command: fixture.command(["monitor", folder.path], tag: "mon"))
        try tmux.waitFor("mon", text: "0 participants: 0 active")

        try tmux.start(session: "run", cols: 100, rows: 30, command: fixture.command(
            ["run", "--study", study, "--participant", "p2", "--sessions", fixture.sessions.path], tag: "run"))
        try tmux.waitFor("run", text: "Welcome to the end-to-end study")
        try tmux.keys("run", "Enter")
        try tmux.waitFor("run", text: "MMLU-Q")
        try tmux.waitFor("mon", "p2 on question 1 with no answers") { screen in
            screen.split(separator: "\n").contains { $0.hasPrefix("p2 ") && $0.contains(" active ") && $0.contains(" 0/2 ") }
        }
        try answer("run")
        try tmux.waitFor("mon", "p2 with one answer") { screen in
            screen.split(separator: "\n").contains { $0.hasPrefix("p2 ") && $0.contains(" 1/2 ") && $0.contains(" 2/2 ") }
        }
        try tmux.keys("mon", "s")
        try tmux.waitFor("mon", text: "s: sort (status)")
        try tmux.waitFor("mon", text: "STATUS*")
        try tmux.type("mon", "q")
        try tmux.waitFor("mon", text: "[exit 0]")
        let modes = try fixture.sttyModes(tag: "mon")
        XCTAssertEqual(modes.before, modes.after, "the terminal is restored")
    }
}
