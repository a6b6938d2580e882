import Foundation
import OversightCore
@testable import OversightScoring
import OversightSimulation
import OversightTUI
import XCTest

/// Simulated participants through the real runtime: seeded, ordinary logs that verify and score.
final class SimulateTests: XCTestCase {
    static let root = URL(fileURLWithPath: "\(#filePath)").deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    func demoStudy() throws -> ResolvedStudy {
        var study = try StudyLoader.load(path: Self.root.appendingPathComponent("Tasks/demo.toml").path)
        study.assistant.provider = .simulated
        return try StudyResolver.resolve(study)
    }

    func assistant(_ s: ResolvedStudy) -> SimulatedAssistant {
        SimulatedAssistant(seed: s.study.seed, accuracy: s.study.assistant.accuracy, wordDelayMs: 0)
    }

    func tempDir() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sim-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        return dir
    }

    func simulate(_ s: ResolvedStudy, into dir: URL, seed: UInt64, n: Int, jobs: Int = 2,
                  policy: SimulationPolicy = SimulationPolicy(),
                  wall: (@Sendable () -> Int64)? = nil) async throws -> [SimulatedSessionSummary] {
        try await SimulationRunner.run(study: s, policy: policy, seed: seed, participants: n, jobs: jobs,
                                       sessionsRoot: dir, assistant: assistant(s),
                                       wallClock: wall ?? SessionLogWriter.wallNow)
    }

    func logs(_ dir: URL, _ s: ResolvedStudy) throws -> [String: String] {
        let folder = dir.appendingPathComponent(s.study.id)
        var out: [String: String] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: folder.path) where name.hasSuffix(".jsonl") {
            out[name] = try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)
        }
        return out
    }

    /// Same seed, fixed wall clock: byte-identical logs, whatever the number of jobs.
    func testSameSeedSameLogsByteForByte() async throws {
        let s = try demoStudy()
        let (a, b) = (try tempDir(), try tempDir())
        let wall: @Sendable () -> Int64 = { 1_800_000_000_000 }
        _ = try await simulate(s, into: a, seed: 7, n: 3, jobs: 1, wall: wall)
        _ = try await simulate(s, into: b, seed: 7, n: 3, jobs: 3, wall: wall)
        let (la, lb) = (try logs(a, s), try logs(b, s))
        XCTAssertEqual(la.keys.sorted(), ["sim-001.jsonl", "sim-002.jsonl", "sim-003.jsonl"])
        XCTAssertEqual(la, lb)
        // A different seed behaves differently.
        let c = try tempDir()
        _ = try await simulate(s, into: c, seed: 8, n: 3, wall: wall)
        XCTAssertNotEqual(try logs(c, s), la)
    }

    /// With the real wall clock only wall_ms and what hashes it (prev, completion_code) differ.
    func testSameSeedSameRecordsApartFromWallClock() async throws {
        let s = try demoStudy()
        let (a, b) = (try tempDir(), try tempDir())
        _ = try await simulate(s, into: a, seed: 3, n: 2)
        _ = try await simulate(s, into: b, seed: 3, n: 2)
        func stripped(_ text: String) throws -> [String] {
            try text.split(separator: "\n").map { line in
                var o = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
                o["wall_ms"] = nil
                o["prev"] = nil
                if o["type"] as? String == "session_end" { o["data"] = [String: Any]() }
                let data = try JSONSerialization.data(withJSONObject: o, options: [.sortedKeys])
                return String(decoding: data, as: UTF8.self)
            }
        }
        let (la, lb) = (try logs(a, s), try logs(b, s))
        XCTAssertEqual(la.count, 2)
        for (name, text) in la {
            let x = try stripped(text), y = try stripped(try XCTUnwrap(lb[name]))
            XCTAssertGreaterThan(x.count, 20)
            XCTAssertEqual(x, y, name)
        }
    }

    /// The logs are ordinary: the chain verifies, they are finished, marked simulated, and the
    /// scorer keeps them apart from real participants unless asked.
    func testLogsVerifyAndScoreApartFromRealOnes() async throws {
        let s = try demoStudy()
        let dir = try tempDir()
        var policy = SimulationPolicy()
        policy.askProbability = 1
        let summaries = try await simulate(s, into: dir, seed: 11, n: 4, policy: policy)
        let total = s.blocks.reduce(0) { $0 + $1.count }
        XCTAssertEqual(summaries.count, 4)
        for sum in summaries {
            XCTAssertEqual(sum.answers, total)
            XCTAssertNil(sum.logError)
            guard case .finished = sum.outcome else { return XCTFail("\(sum.participant) did not finish") }
            XCTAssertGreaterThan(sum.messages, 0)
        }
        let folder = dir.appendingPathComponent(s.study.id)
        for name in try FileManager.default.contentsOfDirectory(atPath: folder.path) where name.hasSuffix(".jsonl") {
            let read = SessionLogReader.read(url: folder.appendingPathComponent(name))
            XCTAssertNil(read.firstDamage, name)
            XCTAssertTrue(read.issues.isEmpty, "\(read.issues)")
            guard case .sessionStart(let start)? = read.records.first?.event else { return XCTFail("no session_start") }
            XCTAssertEqual(start.simulated, true)
            XCTAssertTrue(start.sessionID.hasPrefix("sim-"))
            guard case .sessionEnd? = read.records.last?.event else { return XCTFail("\(name) not finished") }
            let kinds = Set(read.records.map { $0.event.type })
            for k in ["chat_sent", "assistant_reply", "heartbeat", "submitted", "feedback_shown", "option_chosen",
                      "confidence_chosen"] {
                XCTAssertTrue(kinds.contains(k), "\(name) has no \(k)")
            }
        }
        // A real participant's log beside them (written through the same runtime, unmarked).
        try writeRealSession(s, into: dir)
        let inputs = try DatasetLoader.discover(path: folder.path)
        let real = DatasetLoader.load(logs: inputs.logs, baselines: [], kinds: .real)
        XCTAssertEqual(real.sessions.map(\.participant), ["p01"])
        XCTAssertEqual(real.leftOutSimulated, 4)
        let sim = DatasetLoader.load(logs: inputs.logs, baselines: [], kinds: .simulated)
        XCTAssertEqual(sim.sessions.map(\.participant), ["sim-001", "sim-002", "sim-003", "sim-004"])
        XCTAssertTrue(sim.sessions.allSatisfy(\.simulated))
        XCTAssertEqual(sim.answers.count, 4 * total)
        XCTAssertEqual(sim.leftOutReal, 1)
        XCTAssertTrue(sim.warnings.isEmpty, "\(sim.warnings)")
        let all = DatasetLoader.load(logs: inputs.logs, baselines: [], kinds: .all)
        XCTAssertEqual(all.sessions.count, 5)
        let report = Scorer.score(sim, options: ScoreOptions())
        XCTAssertEqual(report.participants, 4)
        XCTAssertFalse(report.tasks.isEmpty)
    }

    /// Two-stage blocks: an initial answer at the policy's unaided accuracy before the chat, then
    /// the assistant's stated answer adopted at the policy's rate.
    func testTwoStageQuestionsGetAnInitialAnswerThenAdoptTheStance() async throws {
        let s = try demoStudy()
        let twoStage = Set(zip(s.study.blocks, s.blocks).filter { $0.0.initialAnswer }.flatMap { $0.1.map(\.id) })
        XCTAssertFalse(twoStage.isEmpty, "the demo has a two-stage block")
        for adopt in [0.0, 1.0] {
            let dir = try tempDir()
            var policy = SimulationPolicy()
            policy.askProbability = 1
            policy.adoptProbability = adopt
            policy.unaidedAccuracy[.mmlu] = 0
            policy.abilitySD = 0
            // The question goes with the message, so the assistant can state its answer.
            policy.messages = ["{question} Which option is right, and why?"]
            _ = try await simulate(s, into: dir, seed: 21, n: 3, policy: policy)
            var adopted = 0
            for (name, _) in try logs(dir, s) {
                let records = SessionLogReader.read(url: dir.appendingPathComponent(s.study.id).appendingPathComponent(name)).records
                var initial: [String: InitialSubmission] = [:]
                var final: [String: Submission] = [:]
                for r in records {
                    if case .initialSubmitted(let i) = r.event {
                        XCTAssertNil(initial[i.questionID], "one initial answer per question")
                        XCTAssertNil(final[i.questionID], "the initial answer comes first")
                        initial[i.questionID] = i
                    }
                    if case .submitted(let sub) = r.event { final[sub.questionID] = sub }
                }
                XCTAssertEqual(Set(initial.keys), twoStage, name)
                let chats = ChatTranscript.assisted(in: records)
                for id in twoStage {
                    let i = try XCTUnwrap(initial[id]), f = try XCTUnwrap(final[id])
                    let q = try XCTUnwrap(s.question(id: id))
                    XCTAssertNotEqual(i.choice, q.gold, "unaided accuracy 0: the initial answer is wrong")
                    let chat = try XCTUnwrap(chats.first { $0.questionID == id })
                    let stance = try assistant(s).advocated(in: chat, question: q, systemPrompt: s.study.assistant.systemPrompt,
                                                            sendQuestion: s.study.assistant.sendQuestion)
                    if adopt == 0 {
                        XCTAssertEqual(f.choice, i.choice, "never adopts: keeps the initial answer")
                    } else if let stance {
                        XCTAssertEqual(f.choice, stance, "always adopts the stated answer")
                        adopted += 1
                    }
                }
            }
            if adopt == 1 { XCTAssertGreaterThan(adopted, 0, "some replies stated an answer") }
        }
    }

    /// A timed block whose questions take longer than the limit: the runtime's timer submits.
    func testTimeLimitsApply() async throws {
        let s = try demoStudy()
        let dir = try tempDir()
        var policy = SimulationPolicy()
        policy.medianSeconds = 900
        policy.timeSpread = 0
        let summaries = try await simulate(s, into: dir, seed: 5, n: 1, policy: policy)
        let timed = zip(s.study.blocks, s.blocks).reduce(0) { $0 + ($1.0.timeLimitSeconds == nil ? 0 : $1.1.count) }
        XCTAssertGreaterThan(timed, 0)
        XCTAssertEqual(summaries.first?.timedOut, timed)
    }

    func testExistingLogsAreNeverOverwritten() async throws {
        let s = try demoStudy()
        let dir = try tempDir()
        _ = try await simulate(s, into: dir, seed: 1, n: 1)
        do {
            _ = try await simulate(s, into: dir, seed: 1, n: 2)
            XCTFail("a second run into the same folder must be refused")
        } catch let e as SimulationError {
            XCTAssertTrue(e.message.contains("sim-001.jsonl: a log already exists here"), e.message)
        }
        XCTAssertEqual(try logs(dir, s).count, 1)
    }

    /// One real session through the runtime with scripted keys (not marked simulated).
    func writeRealSession(_ s: ResolvedStudy, into dir: URL) throws {
        let url = SessionPaths.logURL(root: dir, studyID: s.study.id, participant: "p01")
        let writer = try SessionLogWriter.create(at: url)
        defer { writer.close() }
        let clock = ManualClock()
        let runtime = try SessionRuntime(study: s, participant: "p01", assistant: assistant(s), log: writer,
                                         size: Size(cols: 100, rows: 30), clock: clock.clock, assistantMode: .recorded(RequestRecorder()))
        var steps = 0
        while runtime.outcome == .running, steps < 200 {
            steps += 1
            clock.advance(500)
            runtime.tick()
            if runtime.state.phase == .question {
                for k in [Key.function(3), .char("a"), .char("3"), .enter] { runtime.send(.key(k)) }
            } else {
                runtime.send(.key(.enter))
            }
        }
        guard case .finished = runtime.outcome else { return XCTFail("the scripted real session did not finish") }
    }
}
