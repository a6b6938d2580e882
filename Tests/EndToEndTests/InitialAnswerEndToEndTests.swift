import Foundation
import OversightCore
import XCTest

/// The bundled demo study, with its two-step (initial answer) block, played through in tmux
/// with the simulated assistant; then `oversight stance` and `oversight score` on its log.
final class InitialAnswerEndToEndTests: XCTestCase {
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

    func testDemoWithInitialAnswersRunsAndScores() throws {
        let study = StudyFixture.packageRoot.appendingPathComponent("Tasks/demo.toml").path
        let app = [fixture.binary, "demo", "--study", study, "--simulated", "--participant", "e2e-p1"]
            .map(StudyFixture.quote).joined(separator: " ")
        let script = "cd \(StudyFixture.quote(fixture.dir.path)) && \(app); echo \"[exit $?]\"; exec sleep 600"
        try tmux.start(session: "demo", cols: 100, rows: 30, command: ["sh", "-c", script])
        try tmux.waitFor("demo", text: "Instructions", timeout: 20)
        try tmux.keys("demo", "Enter")
        var answered = 0, initials = 0
        var lastPosition = ""
        while answered < 20 {
            // The next question's screen: a new position in the status bar, not the feedback page
            // (which shows the same position and also says "Your answer:").
            let screen = try tmux.waitFor("demo", timeout: 20, "a new question or the end") { screen in
                if screen.contains("Session complete") { return true }
                let status = screen.split(separator: "\n").first.map(String.init) ?? ""
                return status.contains("Question ") && status != lastPosition
                    && !screen.contains("Press Enter to continue") && !screen.contains("Press Enter to begin")
            }
            if screen.contains("Session complete") { break }
            lastPosition = screen.split(separator: "\n").first.map(String.init) ?? ""
            if screen.contains("Step 1 of 2") {
                // Step 1: no chat on screen; answer B at 60% and submit it as the initial answer.
                XCTAssertFalse(screen.contains("Assistant chat"), screen)
                try tmux.keys("demo", "F3")
                try tmux.type("demo", "b")
                try tmux.type("demo", "3")
                try tmux.waitFor("demo", text: "Press Enter to submit", timeout: 20)
                try tmux.keys("demo", "Enter")
                let second = try tmux.waitFor("demo", text: "Step 2 of 2", timeout: 20)
                XCTAssertTrue(second.contains("Assistant chat"), second)
                XCTAssertFalse(second.contains("Correct.") || second.contains("Wrong") || second.contains("The correct answer"),
                               "the initial answer is not marked:\n\(second)")
                initials += 1
                // Step 2: keep B, now at 80%.
                try tmux.keys("demo", "F3")
                try tmux.type("demo", "4")
            } else {
                try tmux.keys("demo", "F3")
                try tmux.type("demo", "b")
                try tmux.type("demo", "3")
            }
            try tmux.waitFor("demo", text: "Press Enter to submit", timeout: 20)
            try tmux.keys("demo", "Enter")
            try tmux.waitFor("demo", text: "Press Enter to continue", timeout: 20)
            try tmux.keys("demo", "Enter")
            answered += 1
        }
        try tmux.waitFor("demo", text: "Session complete", timeout: 20)
        XCTAssertEqual(initials, 2, "the demo's two-step block has two questions")
        XCTAssertEqual(answered, 10)
        try tmux.keys("demo", "Enter")
        try tmux.waitFor("demo", text: "[exit 0]", timeout: 20)

        let folder = fixture.sessions.appendingPathComponent("demo")
        let log = SessionLogReader.read(url: folder.appendingPathComponent("e2e-p1.jsonl"))
        XCTAssertEqual(log.types.filter { $0 == "initial_submitted" }.count, 2)
        let initial = log.records.compactMap { if case .initialSubmitted(let i) = $0.event { i } else { nil } }
        XCTAssertTrue(initial.allSatisfy { $0.choice == 1 && $0.confidence == 60 }, "\(initial)")

        // The stance from the simulated assistant's record, then the score with reliance.
        let stance = try fixture.runApp(["stance", folder.path, "--study", study])
        XCTAssertEqual(stance.status, 0, stance.stderr)
        XCTAssertTrue(stance.stdout.contains("stance-simulated.jsonl"), stance.stdout)
        let score = try fixture.runApp(["score", folder.path, "--format", "json"])
        XCTAssertEqual(score.status, 0, score.stderr)
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(score.stdout.utf8)) as? [String: Any])
        let mmlu = try XCTUnwrap((json["tasks"] as? [[String: Any]])?.first { $0["task"] as? String == "mmlu" })
        let assisted = try XCTUnwrap((mmlu["rows"] as? [[String: Any]])?.first { $0["condition"] as? String == "assisted" })
        let rel = try XCTUnwrap(assisted["reliance"] as? [String: Any])
        let switchRate = try XCTUnwrap(rel["switch_rate"] as? [String: Any])
        XCTAssertEqual(switchRate["n"] as? Int, 2)
        XCTAssertEqual(switchRate["value"] as? Double, 0, "B kept in both")
        let text = try fixture.runApp(["score", folder.path])
        XCTAssertTrue(text.stdout.contains("Reliance"), text.stdout)
    }
}
