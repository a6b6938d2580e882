import Foundation
import OversightCore
import XCTest

/// `oversight simulate`, `score` and `power` as the built binary runs them.
final class SimulateCommandTests: FixtureTestCase {
    private let blocks = """
        [[blocks]]
        condition = "unaided"
        bank = "mmlu"
        questions = 1

        [[blocks]]
        condition = "assisted"
        bank = "mmlu"
        questions = 2
        """

    /// Simulated logs verify, are scored on their own with a label first, and are left out
    /// (with a note) once a real participant's log is beside them.
    func testSimulateThenVerifyAndScore() throws {
        let study = try fixture.writeStudy(name: "s.toml", id: "e2e-sim", blocks: blocks)
        let sessions = fixture.sessions.path
        let sim = try fixture.runApp(["simulate", "--study", study, "--participants", "3", "--seed", "5",
                                      "--sessions", sessions])
        XCTAssertEqual(sim.status, 0, sim.stderr)
        XCTAssertTrue(sim.stdout.contains("Simulated 3 participant(s) of study e2e-sim"), sim.stdout)
        XCTAssertTrue(sim.stderr.contains("3/3 participants, 9 answers"), sim.stderr)
        let folder = fixture.sessions.appendingPathComponent("e2e-sim").path
        let verify = try fixture.runApp(["verify", folder])
        XCTAssertEqual(verify.status, 0, verify.stdout + verify.stderr)
        let text = try fixture.runApp(["score", folder])
        XCTAssertEqual(text.status, 0, text.stderr)
        XCTAssertTrue(text.stdout.hasPrefix("SIMULATED PARTICIPANTS: all 3 session(s) were played by oversight simulate"),
                      text.stdout)
        let json = try fixture.runApp(["score", folder, "--format", "json"])
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        XCTAssertEqual(object?["simulated_sessions"] as? Int, 3)
        XCTAssertTrue(json.stdout.hasPrefix("{\n  \"simulated_sessions\": 3,"), json.stdout)

        // A second run into the same folder is refused before it writes anything.
        let again = try fixture.runApp(["simulate", "--study", study, "--participants", "1", "--sessions", sessions])
        XCTAssertEqual(again.status, 2)
        XCTAssertTrue(again.stderr.contains("sim-001.jsonl: a log already exists here"), again.stderr)

        // A real participant's log (copied from a simulated one, unmarked): real ones only now.
        let simLog = try String(contentsOfFile: folder + "/sim-001.jsonl", encoding: .utf8)
        var lines = simLog.split(separator: "\n").map(String.init)
        lines[0] = lines[0].replacingOccurrences(of: ",\"simulated\":true", with: "")
            .replacingOccurrences(of: "\"participant\":\"sim-001\"", with: "\"participant\":\"p01\"")
            .replacingOccurrences(of: "\"session_id\":\"sim-", with: "\"session_id\":\"real-")
        XCTAssertFalse(lines[0].contains("\"simulated\":"), lines[0])
        // Re-chain it, as a real session's writer would have.
        for i in 1..<lines.count {
            guard let r = lines[i].range(of: "\"prev\":\"") else { continue }
            let start = r.upperBound, end = lines[i].index(start, offsetBy: 64)
            lines[i].replaceSubrange(start..<end, with: SHA256.hex(lines[i - 1]))
        }
        try (lines.joined(separator: "\n") + "\n").write(toFile: folder + "/p01.jsonl", atomically: true, encoding: .utf8)
        let mixed = try fixture.runApp(["score", folder])
        XCTAssertEqual(mixed.status, 0, mixed.stderr)
        XCTAssertFalse(mixed.stdout.contains("SIMULATED"), mixed.stdout)
        XCTAssertTrue(mixed.stdout.contains("1 participant(s)"), mixed.stdout)
        XCTAssertTrue(mixed.stderr.contains("3 simulated session(s) left out"), mixed.stderr)
        let all = try fixture.runApp(["score", folder, "--include-simulated"])
        XCTAssertTrue(all.stdout.hasPrefix("SIMULATED PARTICIPANTS INCLUDED (--include-simulated): 3 of 4 session(s)"),
                      all.stdout)
        let only = try fixture.runApp(["score", folder, "--simulated"])
        XCTAssertTrue(only.stdout.contains("3 participant(s)"), only.stdout)
    }

    func testBadPolicyNamesFileAndLine() throws {
        let study = try fixture.writeStudy(name: "s.toml", id: "e2e-pol", blocks: blocks)
        let policy = fixture.dir.appendingPathComponent("policy.toml").path
        try "[chat]\nadopt = 2\n\n[confidence]\ncorrect = [1, 2]\n".write(toFile: policy, atomically: true, encoding: .utf8)
        let r = try fixture.runApp(["simulate", "--study", study, "--participants", "1", "--policy", policy,
                                    "--sessions", fixture.sessions.path])
        XCTAssertEqual(r.status, 2)
        XCTAssertEqual(r.stderr, "\(policy):2: \"chat.adopt\" must be between 0 and 1, not 2\n")
        try "[confidence]\ncorrect = [1, 2]\n".write(toFile: policy, atomically: true, encoding: .utf8)
        let scale = try fixture.runApp(["simulate", "--study", study, "--participants", "1", "--policy", policy,
                                        "--sessions", fixture.sessions.path])
        XCTAssertEqual(scale.status, 2)
        XCTAssertTrue(scale.stderr.hasPrefix("\(policy):2: confidence.correct has 2 weight(s) but the study's confidence scale has 5 level(s)"),
                      scale.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: fixture.sessions.appendingPathComponent("e2e-pol").path))
    }

    func testPowerJSONAndHTML() throws {
        let study = try fixture.writeStudy(name: "s.toml", id: "e2e-pow", blocks: blocks)
        let html = fixture.dir.appendingPathComponent("power.html").path
        let r = try fixture.runApp(["power", "--study", study, "--effect", "20", "--participants", "4,12",
                                    "--simulations", "20", "--resamples", "200", "--format", "json", "--html", html])
        XCTAssertEqual(r.status, 0, r.stderr)
        let rows = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]])
        XCTAssertEqual(rows.map { $0["participants"] as? Int }, [4, 12])
        for row in rows {
            let p = try XCTUnwrap(row["power"] as? Double), se = try XCTUnwrap(row["se"] as? Double)
            XCTAssertTrue((0...1).contains(p))
            XCTAssertEqual(se, (p * (1 - p) / 20).squareRoot(), accuracy: 1e-4)
        }
        let page = try String(contentsOfFile: html, encoding: .utf8)
        XCTAssertTrue(page.contains("<svg"), page)
        XCTAssertTrue(page.contains("<polyline"), page)
        XCTAssertFalse(page.contains("http://") && page.contains("<script src"), "not self-contained")
        // No unaided questions: nothing to compare.
        let assistedOnly = try fixture.writeStudy(name: "a.toml", id: "e2e-a",
                                                  blocks: "[[blocks]]\ncondition = \"assisted\"\nbank = \"mmlu\"\nquestions = 2\n")
        let none = try fixture.runApp(["power", "--study", assistedOnly, "--effect", "10"])
        XCTAssertEqual(none.status, 2)
        XCTAssertTrue(none.stderr.contains("no task with both unaided and assisted questions"), none.stderr)
    }
}
