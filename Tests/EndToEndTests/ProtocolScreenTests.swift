import Foundation
import OversightCore
import XCTest

/// A study with an unaided, a consultancy and a debate block (simulated assistant) run in tmux
/// at 80x24 and 200x60, then scored.
final class ProtocolScreenTests: FixtureTestCase {
    private let blocks = """
        [[blocks]]
        condition = "unaided"
        bank = "mmlu"
        questions = 1

        [[blocks]]
        condition = "consultancy"
        bank = "quality"
        questions = 1
        options = 2

        [[blocks]]
        condition = "debate"
        bank = "quality"
        questions = 1
        show_score = true
        """

    /// One participant's whole session; returns the debate screen after round 1.
    private func runSession(_ tmux: Tmux, study: String, participant: String, cols: Int, rows: Int) throws -> String {
        let args = ["run", "--study", study, "--participant", participant, "--sessions", fixture.sessions.path]
        let s = participant
        try tmux.start(session: s, cols: cols, rows: rows, command: fixture.command(args, tag: s))
        try tmux.waitFor(s, text: "Welcome to the end-to-end study", timeout: 20)
        try tmux.keys(s, "Enter")
        try tmux.waitFor(s, text: "MMLU-Q")
        try tmux.type(s, "a1")
        try tmux.keys(s, "Enter")
        try tmux.waitFor(s, text: "Press Enter to continue")
        try tmux.keys(s, "Enter")

        // Consultancy: prior, one round, a question for a second round, then the end.
        try tmux.waitFor(s, text: "Your prior judgment")
        try tmux.keys(s, "Right", "Enter")
        try tmux.waitFor(s, text: "Your judgment after round 1", timeout: 20)
        let consultant = try tmux.capture(s)
        XCTAssertTrue(consultant.contains("Consultant"), consultant)
        XCTAssertFalse(consultant.contains("argues for"), "the consultant's side is not named:\n\(consultant)")
        try tmux.keys(s, "F4")
        try tmux.type(s, "Where does the story say so?")
        try tmux.keys(s, "Enter")
        try tmux.waitFor(s, text: "Your judgment after round 2", timeout: 20)
        try tmux.keys(s, "F3", "e")
        try tmux.waitFor(s, text: "Your judgment:")
        try tmux.keys(s, "Enter")

        // Debate: prior, one round (both speeches together), end; the feedback shows the score.
        try tmux.waitFor(s, text: "Your prior judgment")
        try tmux.keys(s, "Left", "Enter")
        let debate = try tmux.waitFor(s, text: "Your judgment after round 1", timeout: 20)
        try tmux.keys(s, "e")
        try tmux.waitFor(s, text: "Your score:")
        try tmux.keys(s, "Enter")
        try tmux.waitFor(s, text: "completion code", timeout: 20)
        try tmux.keys(s, "Enter")
        try tmux.waitFor(s, text: "[exit 0]")
        return debate
    }

    func testUnaidedConsultancyAndDebateAtTwoSizesThenScored() throws {
        let tmux = try Tmux()
        defer { tmux.shutdown() }
        let study = try fixture.writeStudy(name: "protocols.toml", id: "e2e-protocols", blocks: blocks)

        let small = try runSession(tmux, study: study, participant: "p80", cols: 80, rows: 24)
        let lines = small.components(separatedBy: "\n")
        let aRow = lines.firstIndex { $0.contains("Debater A ·") }, bRow = lines.firstIndex { $0.contains("Debater B ·") }
        XCTAssertNotNil(aRow, small)
        XCTAssertNotNil(bRow, small)
        if let aRow, let bRow { XCTAssertLessThan(aRow, bRow, "one above the other at 80x24:\n\(small)") }

        let wide = try runSession(tmux, study: study, participant: "p200", cols: 200, rows: 60)
        XCTAssertTrue(wide.components(separatedBy: "\n").contains { $0.contains("Debater A ·") && $0.contains("Debater B ·") },
                      "side by side at 200x60:\n\(wide)")

        for p in ["p80", "p200"] {
            let log = SessionLogReader.read(url: fixture.logURL(study: "e2e-protocols", participant: p))
            XCTAssertEqual(log.types.last, "session_end", p)
            XCTAssertEqual(log.types.filter { $0 == "judgment" }.count, 3 + 2, "consultancy 0-2, debate 0-1: \(p)")
            let subs = log.submissions
            XCTAssertEqual(subs.map(\.condition), [.unaided, .consultancy, .debate])
            for sub in subs.dropFirst() {
                let probs = try XCTUnwrap(sub.probabilities)
                XCTAssertEqual(probs.reduce(0, +), 1, accuracy: 1e-9)
                XCTAssertEqual(probs.filter { $0 > 0 }.count, 2, "two options shown")
            }
            let replies = log.records.compactMap { r -> AssistantReply? in
                if case .assistantReply(let a) = r.event { a } else { nil }
            }
            XCTAssertEqual(replies.compactMap(\.role).sorted(), [.consultant, .consultant, .debaterA, .debaterB],
                           "\(replies.map(\.role))")
        }

        let studyDir = fixture.logURL(study: "e2e-protocols", participant: "p80").deletingLastPathComponent().path
        let (status, json, stderr) = try fixture.runApp(["score", studyDir, "--format", "json"])
        XCTAssertEqual(status, 0, stderr)
        let report = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any], json)
        let tasks = try XCTUnwrap(report["tasks"] as? [[String: Any]], json)
        func row(_ task: String, _ condition: String) -> [String: Any]? {
            let t = tasks.first { $0["task"] as? String == task }
            return (t?["rows"] as? [[String: Any]])?.first { $0["condition"] as? String == condition }
        }
        XCTAssertEqual(row("mmlu", "unaided")?["answers"] as? Int, 2, json)
        let consultancy = try XCTUnwrap(row("quality", "consultancy"), json)
        let debate = try XCTUnwrap(row("quality", "debate"), json)
        XCTAssertEqual(consultancy["answers"] as? Int, 2, json)
        XCTAssertEqual(debate["answers"] as? Int, 2, json)
        // Two rounds heard in every consultancy question, one in every debate question.
        XCTAssertEqual(consultancy["mean_rounds"] as? Double, 2, json)
        XCTAssertEqual(debate["mean_rounds"] as? Double, 1, json)
        XCTAssertNotNil(consultancy["honest_accuracy"] ?? consultancy["dishonest_accuracy"], json)
        XCTAssertNotNil(debate["mean_log2_score"] as? Double, json)
    }
}
