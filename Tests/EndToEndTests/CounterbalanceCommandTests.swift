import Foundation
import OversightCore
import XCTest

/// `[study] counterbalance = true` through the built binary: `study check --participants`,
/// `simulate` (which draws arms like `run`), the logs' `session_start` and `score`'s balance.
final class CounterbalanceCommandTests: FixtureTestCase {
    private let blocks = """
        [[blocks]]
        condition = "assisted"
        bank = "mmlu"
        questions = 1

        [[blocks]]
        condition = "unaided"
        bank = "mmlu"
        questions = 1
        """

    private func counterbalancedStudy(id: String) throws -> String {
        let path = try fixture.writeStudy(name: "\(id).toml", id: id, blocks: blocks)
        let text = try String(contentsOfFile: path, encoding: .utf8)
            .replacingOccurrences(of: "seed = 11\n", with: "seed = 11\ncounterbalance = true\n")
        XCTAssertTrue(text.contains("counterbalance = true"))
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// What `study check --participants` says participant N gets: the conditions in order, each
    /// with its question ids.
    private func planned(_ stdout: String) -> [[String]] {
        var result: [[String]] = []
        for line in stdout.split(separator: "\n").map(String.init) {
            if line.hasPrefix("Participant ") { result.append([]); continue }
            guard !result.isEmpty, line.hasPrefix("  "), let colon = line.range(of: ": questions of block ") else { continue }
            let condition = line[line.index(line.startIndex, offsetBy: 2)..<colon.lowerBound]
                .split(separator: " ", maxSplits: 1).last.map(String.init) ?? ""
            let ids = line[colon.upperBound...].split(separator: ":", maxSplits: 1).last.map(String.init) ?? ""
            result[result.count - 1].append(condition + ":" + ids.trimmingCharacters(in: .whitespaces))
        }
        return result
    }

    /// The same, from the `session_start` record of a log, with the arm.
    private func started(_ url: URL) throws -> (blocks: [String], arm: Int?, order: [Int]?) {
        let text = try String(contentsOf: url, encoding: .utf8)
        let first = String(text.split(separator: "\n").first ?? "")
        let record = try JSONSerialization.jsonObject(with: Data(first.utf8)) as? [String: Any]
        let data = record?["data"] as? [String: Any] ?? [:]
        let blocks = (data["blocks"] as? [[String: Any]] ?? []).map { b in
            (b["condition"] as? String ?? "?") + ":" + (b["question_ids"] as? [String] ?? []).joined(separator: " ")
        }
        return (blocks, data["arm"] as? Int, data["block_order"] as? [Int])
    }

    func testStudyCheckMatchesTheLogsAndTheScoreIsBalanced() throws {
        let study = try counterbalancedStudy(id: "e2e-cb")
        let check = try fixture.runApp(["study", "check", study, "--participants", "4"])
        XCTAssertEqual(check.status, 0, check.stderr)
        XCTAssertTrue(check.stdout.contains("Counterbalanced: 4 arms, given in arrival order, round-robin"), check.stdout)
        XCTAssertTrue(check.stdout.contains("Participant 2: arm 2 of 4, block order 2, 1"), check.stdout)
        let plans = planned(check.stdout)
        XCTAssertEqual(plans.count, 4, check.stdout)

        let sim = try fixture.runApp(["simulate", "--study", study, "--participants", "4", "--seed", "3",
                                      "--sessions", fixture.sessions.path])
        XCTAssertEqual(sim.status, 0, sim.stderr)
        let ids = ["sim-001", "sim-002", "sim-003", "sim-004"]
        for (i, id) in ids.enumerated() {
            let log = try started(fixture.logURL(study: "e2e-cb", participant: id))
            XCTAssertEqual(log.blocks, plans[i], "participant \(i + 1) (\(id))")
            XCTAssertEqual(log.arm, i + 1)
            XCTAssertEqual(log.order, i % 2 == 0 ? [1, 2] : [2, 1])
        }
        // Every question under both conditions, both orders twice.
        var conditions: [String: [String]] = [:]
        for plan in plans {
            for block in plan {
                let parts = block.split(separator: ":", maxSplits: 1).map(String.init)
                conditions[parts[1], default: []].append(parts[0])
            }
        }
        XCTAssertEqual(conditions.count, 2)
        for (_, seen) in conditions { XCTAssertEqual(seen.sorted(), ["assisted", "assisted", "unaided", "unaided"]) }

        let assignments = Assignments.url(root: fixture.sessions, studyID: "e2e-cb")
        XCTAssertEqual(try Assignments.read(url: assignments).map(\.participant), ids)
        XCTAssertEqual(try Assignments.read(url: assignments).map(\.arm), [1, 2, 3, 4])

        let folder = fixture.sessions.appendingPathComponent("e2e-cb")
        let verify = try fixture.runApp(["verify", folder.path])
        XCTAssertEqual(verify.status, 0, verify.stdout + verify.stderr)
        let score = try fixture.runApp(["score", folder.path])
        XCTAssertEqual(score.status, 0, score.stderr)
        let flat = score.stdout.split(whereSeparator: { $0 == " " || $0 == "\n" }).joined(separator: " ")
        XCTAssertTrue(flat.contains("Counterbalancing: 4 session(s) with an arm (arm 1: 1, arm 2: 1, arm 3: 1, "
                                            + "arm 4: 1); 2 item(s), 2 answered under both conditions, 2 balanced"),
                      score.stdout)
        XCTAssertFalse(score.stdout.contains("counterbalancing is off"), score.stdout)
        XCTAssertFalse(score.stdout.contains("assignments.jsonl"), score.stdout)

        // Only the first two arms (the order swapped, the same questions per condition): off.
        let half = fixture.dir.appendingPathComponent("half/e2e-cb")
        try FileManager.default.createDirectory(at: half, withIntermediateDirectories: true)
        for id in ids.prefix(2) {
            try FileManager.default.copyItem(at: folder.appendingPathComponent("\(id).jsonl"),
                                             to: half.appendingPathComponent("\(id).jsonl"))
        }
        let off = try fixture.runApp(["score", half.path, "--format", "json"])
        XCTAssertEqual(off.status, 0, off.stderr)
        let object = try JSONSerialization.jsonObject(with: Data(off.stdout.utf8)) as? [String: Any]
        let balance = object?["balance"] as? [String: Any]
        XCTAssertEqual(balance?["balanced"] as? Bool, false, off.stdout)
        XCTAssertEqual(balance?["largest_gap"] as? Int, 2, off.stdout)
        XCTAssertEqual(balance?["items_under_both_conditions"] as? Int, 0, off.stdout)
        let kinds = (object?["warnings"] as? [[String: Any]] ?? []).compactMap { $0["kind"] as? String }
        XCTAssertTrue(kinds.contains("balance"), off.stdout)
    }

    func testAStudyWithoutTheKeyGetsNoArms() throws {
        let study = try fixture.writeStudy(name: "plain.toml", id: "e2e-plain", blocks: blocks)
        let check = try fixture.runApp(["study", "check", study, "--participants", "2"])
        XCTAssertEqual(check.status, 0, check.stderr)
        XCTAssertTrue(check.stdout.contains("Not counterbalanced"), check.stdout)
        let plans = planned(check.stdout)
        XCTAssertEqual(plans.count, 2)
        XCTAssertEqual(plans[0], plans[1])
        let sim = try fixture.runApp(["simulate", "--study", study, "--participants", "2", "--sessions", fixture.sessions.path])
        XCTAssertEqual(sim.status, 0, sim.stderr)
        let log = try started(fixture.logURL(study: "e2e-plain", participant: "sim-002"))
        XCTAssertEqual(log.blocks, plans[1])
        XCTAssertNil(log.arm)
        XCTAssertFalse(FileManager.default.fileExists(
            atPath: Assignments.url(root: fixture.sessions, studyID: "e2e-plain").path))
        let score = try fixture.runApp(["score", fixture.sessions.appendingPathComponent("e2e-plain").path])
        XCTAssertFalse(score.stdout.contains("Counterbalancing"), score.stdout)
    }

    /// `run` in a terminal: two people get arms 1 and 2, and the first one, coming back, keeps
    /// arm 1 (arm 3, the next one, shows other questions and its log could not be resumed).
    func testRunAssignsArmsAndAResumedParticipantKeepsTheirs() throws {
        let tmux = try Tmux()
        defer { tmux.shutdown() }
        let study = try counterbalancedStudy(id: "e2e-cbrun")
        func start(_ participant: String, _ tag: String, extra: [String] = []) throws {
            let args = ["run", "--study", study, "--participant", participant, "--sessions", fixture.sessions.path] + extra
            try tmux.start(session: tag, cols: 100, rows: 30, command: fixture.command(args, tag: tag))
        }
        func quit(_ tag: String) throws {
            try tmux.keys(tag, "C-c")
            try tmux.waitFor(tag, text: "Quit?")
            try tmux.type(tag, "y")
            try tmux.waitFor(tag, text: "[exit 1]")
        }
        try start("p1", "first")
        try tmux.waitFor("first", text: "Welcome to the end-to-end study")
        try tmux.keys("first", "Enter")
        try tmux.waitFor("first", text: "MMLU-Q")
        try quit("first")
        try start("p2", "second")
        try tmux.waitFor("second", text: "Welcome to the end-to-end study")
        try tmux.keys("second", "Enter")
        try tmux.waitFor("second", text: "MMLU-Q")
        try quit("second")
        try start("p1", "again", extra: ["--resume"])
        try tmux.waitFor("again", text: "MMLU-Q")
        try quit("again")

        let assignments = Assignments.url(root: fixture.sessions, studyID: "e2e-cbrun")
        XCTAssertEqual(try Assignments.read(url: assignments).map { "\($0.participant):\($0.arm)" }, ["p1:1", "p2:2"])
        let first = fixture.logURL(study: "e2e-cbrun", participant: "p1")
        XCTAssertEqual(SessionLogReader.read(url: first).types.filter { $0 == "session_resume" }.count, 1)
        let check = try fixture.runApp(["study", "check", study, "--participants", "2"])
        let plans = planned(check.stdout)
        XCTAssertEqual(try started(first).blocks, plans.first, check.stdout)
        let second = try started(fixture.logURL(study: "e2e-cbrun", participant: "p2"))
        XCTAssertEqual(second.blocks, plans.last, check.stdout)
        XCTAssertEqual(second.arm, 2)
        XCTAssertEqual(second.order, [2, 1])
    }
}
