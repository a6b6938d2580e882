import Foundation
@testable import OversightAssistants
import OversightCore
import OversightSimulation
import XCTest

/// `oversight stance` as a user runs it, on sessions played by simulated participants: the
/// simulated record, the model method against a loopback server, resuming, bad input, and the
/// scorer reading the result. Needs the built binary (as scripts/test.sh builds it).
final class StanceCommandTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    struct Run {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    private func binary() throws -> URL {
        let b = Self.root.appendingPathComponent(".build/debug/oversight")
        guard FileManager.default.isExecutableFile(atPath: b.path) else {
            throw XCTSkip("build the oversight product first (swift build --product oversight)")
        }
        return b
    }

    private func run(_ args: [String]) throws -> Run {
        let p = Process()
        p.executableURL = try binary()
        p.arguments = args
        var env = ProcessInfo.processInfo.environment
        env["TEST_API_KEY"] = Fixtures.secret
        p.environment = env
        let outFile = FileManager.default.temporaryDirectory.appendingPathComponent("stance-out-\(UUID().uuidString)")
        let errFile = FileManager.default.temporaryDirectory.appendingPathComponent("stance-err-\(UUID().uuidString)")
        FileManager.default.createFile(atPath: outFile.path, contents: nil)
        FileManager.default.createFile(atPath: errFile.path, contents: nil)
        defer {
            try? FileManager.default.removeItem(at: outFile)
            try? FileManager.default.removeItem(at: errFile)
        }
        p.standardOutput = try FileHandle(forWritingTo: outFile)
        p.standardError = try FileHandle(forWritingTo: errFile)
        try p.run()
        p.waitUntilExit()
        return Run(status: p.terminationStatus, stdout: (try? String(contentsOf: outFile, encoding: .utf8)) ?? "",
                   stderr: (try? String(contentsOf: errFile, encoding: .utf8)) ?? "")
    }

    /// A study (simulated assistant, one two-stage assisted MMLU block, one unaided) and two
    /// simulated participants' finished logs.
    private func studyWithSessions() async throws -> (dir: URL, study: URL, folder: URL, resolved: ResolvedStudy) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("stance-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        let bank = Self.root.appendingPathComponent("Tasks/mmlu").path
        let text = """
            [study]
            id = "stance-e2e"
            seed = 4
            feedback = false

            [[blocks]]
            condition = "assisted"
            bank = "\(bank)"
            questions = 4
            initial_answer = true

            [[blocks]]
            condition = "unaided"
            bank = "\(bank)"
            questions = 2

            [assistant]
            provider = "simulated"
            accuracy = 0.5

            """
        let study = dir.appendingPathComponent("study.toml")
        try Data(text.utf8).write(to: study)
        let resolved = try StudyResolver.resolve(try StudyLoader.load(path: study.path))
        var policy = SimulationPolicy()
        policy.askProbability = 1
        policy.messages = ["{question} Which option is right?", "Is ({letter}) correct?"]
        let sessions = dir.appendingPathComponent("Sessions")
        _ = try await SimulationRunner.run(study: resolved, policy: policy, seed: 3, participants: 2, jobs: 1,
                                           sessionsRoot: sessions,
                                           assistant: SimulatedAssistant(seed: 4, accuracy: 0.5, wordDelayMs: 0))
        return (dir, study, sessions.appendingPathComponent("stance-e2e"), resolved)
    }

    func testSimulatedMethodThenScore() async throws {
        _ = try binary()
        let (_, study, folder, resolved) = try await studyWithSessions()
        let r = try run(["stance", folder.path, "--study", study.path])
        XCTAssertEqual(r.status, 0, r.stderr)
        let file = folder.appendingPathComponent("stance-simulated.jsonl")
        XCTAssertTrue(r.stdout.contains("8 stance(s) written, 0 already in the file"), r.stdout)
        let records = try StanceFile.read(path: file.path)
        XCTAssertEqual(records.count, 8, "2 participants x 4 assisted questions")
        XCTAssertTrue(records.allSatisfy { $0.method == "simulated" && $0.model == nil })
        let assistant = SimulatedAssistant(seed: 4, accuracy: 0.5, wordDelayMs: 0)
        for rec in records where rec.stance != nil {
            XCTAssertEqual(rec.stance, resolved.question(id: rec.questionID).map(assistant.choice(for:)))
        }
        XCTAssertTrue(records.contains { $0.stance != nil })
        // A rerun has nothing left to do.
        let again = try run(["stance", folder.path, "--study", study.path])
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertTrue(again.stdout.contains("0 stance(s) written, 8 already in the file"), again.stdout)
        XCTAssertEqual(try StanceFile.read(path: file.path).count, 8)
        // The scorer reads it: the assisted row has the reliance measures.
        let score = try run(["score", folder.path, "--format", "json", "--resamples", "2000"])
        XCTAssertEqual(score.status, 0, score.stderr)
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(score.stdout.utf8)) as? [String: Any])
        let rows = ((json["tasks"] as? [[String: Any]])?.first?["rows"] as? [[String: Any]]) ?? []
        let assisted = try XCTUnwrap(rows.first { $0["condition"] as? String == "assisted" })
        let rel = try XCTUnwrap(assisted["reliance"] as? [String: Any])
        let switchRate = try XCTUnwrap(rel["switch_rate"] as? [String: Any])
        XCTAssertEqual(switchRate["n"] as? Int, 8)
        let agreement = try XCTUnwrap(rel["agreement"] as? [String: Any])
        XCTAssertEqual(agreement["n"] as? Int, records.filter { $0.stance != nil }.count)
        XCTAssertNotNil(agreement["ci95"])
        XCTAssertNil(rows.first { $0["condition"] as? String == "unaided" }?["reliance"])
    }

    func testModelMethodAgainstALoopbackServerResumes() async throws {
        _ = try binary()
        let (_, study, folder, _) = try await studyWithSessions()
        // Answers in turn: C, NONE, something unreadable, then B for the rest.
        let replies = ["C", "NONE", "Hmm."] + Array(repeating: "B", count: 10)
        let server = try FaultServer(replies.map { .sse(StanceTests.sse($0)) }, lifetime: 120)
        defer { server.stop() }
        let common = ["stance", folder.path, "--study", study.path, "--method", "model", "--provider", "openai",
                      "--base-url", server.baseURL, "--model", "judge-1", "--api-key-env", "TEST_API_KEY"]
        let file = folder.appendingPathComponent("stance-model-judge-1.jsonl")
        // An earlier run was cut off in the middle of its second line.
        let first = StanceRecord(participant: "sim-001", questionID: "x", stance: 0, method: "model", model: "judge-1")
        try Data((first.line() + "\n{\"participant\":\"sim-0").utf8).write(to: file)
        let r = try run(common)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertFalse(r.stdout.contains(Fixtures.secret) || r.stderr.contains(Fixtures.secret))
        var records = try StanceFile.read(path: file.path)
        XCTAssertEqual(records.first, first, "the whole line kept, the cut one dropped")
        records.removeFirst()
        let asked = server.requests.count
        XCTAssertEqual(records.count, 8)
        XCTAssertTrue(records.allSatisfy { $0.method == "model" && $0.model == "judge-1" })
        // Questions the assistant never answered are not sent; the others got the replies in order.
        XCTAssertEqual(records.filter { $0.stance != nil }.count + records.filter { $0.stance == nil }.count, 8)
        XCTAssertGreaterThanOrEqual(asked, 3)
        XCTAssertEqual(records.compactMap(\.stance).first, 2)
        for req in server.requests {
            XCTAssertTrue(req.body.contains("Which option did the assistant endorse"), req.body)
            XCTAssertFalse(req.body.contains(Fixtures.secret))
        }
        // A rerun asks nothing.
        let again = try run(common)
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertEqual(server.requests.count, asked)
        // A malformed line stops it with the file and line.
        try Data((first.line() + "\n{\"participant\":\"a\",\"question_id\":\"q\",\"stance\":7,\"method\":\"hand\",\"model\":null}\n").utf8)
            .write(to: file)
        let bad = try run(common)
        XCTAssertEqual(bad.status, 2)
        XCTAssertTrue(bad.stderr.contains("\(file.path):2: \"stance\" must be 0, 1, 2, 3 or null, not 7"), bad.stderr)
        let score = try run(["score", folder.path])
        XCTAssertEqual(score.status, 2)
        XCTAssertTrue(score.stderr.contains("\(file.path):2:"), score.stderr)
    }

    func testBadInputExitsTwo() async throws {
        _ = try binary()
        let (_, study, folder, _) = try await studyWithSessions()
        let model = try run(["stance", folder.path, "--study", study.path, "--method", "model"])
        XCTAssertEqual(model.status, 2)
        XCTAssertTrue(model.stderr.contains("the study's assistant is simulated"), model.stderr)
        let missing = try run(["stance", folder.appendingPathComponent("nope").path, "--study", study.path])
        XCTAssertEqual(missing.status, 2)
        XCTAssertTrue(missing.stderr.contains("no such file or folder"), missing.stderr)
    }
}
