import Foundation
import OversightCore
@testable import OversightScoring
@testable import OversightSimulation
import OversightTUI
import XCTest

/// The simulated judge: its judgments, and `oversight simulate` on consultancy and debate blocks.
final class SimulatedJudgeTests: XCTestCase {
    static let root = URL(fileURLWithPath: "\(#filePath)").deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    func testPercentsAreWholeStepsWithinBoundsSummingToAHundred() {
        XCTAssertEqual(SimulatedJudge.percents([0, 0]), [50, 50])
        XCTAssertEqual(SimulatedJudge.percents([0, 0, 0, 0]), [25, 25, 25, 25])
        XCTAssertEqual(SimulatedJudge.percents([9, -9]), [95, 5])
        XCTAssertEqual(SimulatedJudge.percents([log(7.0 / 3), 0]), [70, 30])
        var rng = SeededRandom(seed: 3)
        for _ in 0..<500 {
            let n = rng.unit() < 0.5 ? 2 : 4
            let p = SimulatedJudge.percents((0..<n).map { _ in 3 * rng.normal() })
            XCTAssertTrue(JudgmentScale.isValid(p), "\(p)")
        }
        XCTAssertEqual(SimulatedJudge.decisive([50, 50], logits: [0, 0.1]), [45, 55])
        XCTAssertEqual(SimulatedJudge.decisive([40, 40, 10, 10], logits: [0, 0, 0, 0]), [45, 35, 10, 10])
        XCTAssertEqual(SimulatedJudge.decisive([70, 30], logits: [1, 0]), [70, 30])
    }

    func testMovesTowardTheSideWhoseQuotesVerify() {
        var j = SimulatedJudge()
        j.readingNoise = 0
        var rng = SeededRandom(seed: 1)
        let roles = [RoleAssignment(role: .debaterA, option: 2), RoleAssignment(role: .debaterB, option: 0)]
        func reply(_ role: ProtocolRole, _ verdicts: [Bool]) -> AssistantReply {
            AssistantReply(questionID: "q", requestID: 1, text: "", status: .complete, provider: "simulated", durationMs: 1,
                           role: role, round: 1, quotes: verdicts.map { QuoteRecord(text: "t", verified: $0) })
        }
        // Shown [0, 2]: B defends the first on screen, A the second.
        let after = j.update([0, 0], shown: [0, 2], roles: roles, speeches: [reply(.debaterA, [true]), reply(.debaterB, [false])],
                             rng: &rng)
        XCTAssertEqual(after[1], j.verifiedWeight, accuracy: 1e-12)
        XCTAssertEqual(after[0], -j.unverifiedWeight, accuracy: 1e-12)
        XCTAssertEqual(SimulatedJudge.percents(after), [15, 85])
        let settings = ProtocolSettings(options: 2, maxRounds: 3, minRounds: 2, maxChars: 750)
        XCTAssertTrue(j.wantsAnotherRound([85, 15], heard: 1, settings: settings), "min_rounds first")
        XCTAssertFalse(j.wantsAnotherRound([85, 15], heard: 2, settings: settings), "sure enough")
        XCTAssertTrue(j.wantsAnotherRound([60, 40], heard: 2, settings: settings))
        XCTAssertFalse(j.wantsAnotherRound([60, 40], heard: 3, settings: settings), "max_rounds")
    }

    /// The protocols demo played by simulated judges with the simulated assistant in every role:
    /// the logs hold the documented sequence, and the scorer reads consultancy and debate rows.
    func testSimulatePlaysTheProtocolBlocksAndTheirLogsScore() async throws {
        var study = try StudyLoader.load(path: Self.root.appendingPathComponent("Tasks/protocols.toml").path)
        study.assistant.provider = "simulated"
        let s = try StudyResolver.resolve(study)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sim-protocols-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let summaries = try await SimulationRunner.run(
            study: s, policy: SimulationPolicy(), seed: 5, participants: 6, jobs: 2, sessionsRoot: dir,
            assistant: SimulatedAssistant(seed: s.study.seed, accuracy: 0.6, wordDelayMs: 0),
            wallClock: SessionLogWriter.wallNow)
        XCTAssertEqual(summaries.count, 6)
        let planned = s.blocks.map(\.count).reduce(0, +)
        for sum in summaries {
            if case .finished = sum.outcome {} else { XCTFail("\(sum)") }
            XCTAssertEqual(sum.answers, planned, "\(sum)")
            XCTAssertEqual(sum.failedReplies, 0)
        }
        // One log, record by record: each protocol question follows docs/log-format.md.
        let folder = dir.appendingPathComponent(s.study.id)
        let read = SessionLogReader.read(url: folder.appendingPathComponent("sim-001.jsonl"))
        XCTAssertEqual(read.issues, [])
        var protocolQuestions = 0
        var current: QuestionShown?
        var expectRound = 1
        var lastJudgment: Judgment?
        var repliesThisRound = 0
        for r in read.records {
            switch r.event {
            case .questionShown(let q):
                current = q
                expectRound = 1
                lastJudgment = nil
                if q.condition.isProtocol {
                    protocolQuestions += 1
                    XCTAssertEqual(q.optionsShown?.count, 2)
                    XCTAssertEqual(q.roles?.map(\.role), q.condition.roles)
                }
            case .judgment(let j):
                XCTAssertEqual(j.round, expectRound - 1, "a judgment after each round, the prior first")
                XCTAssertEqual(j.probabilities.reduce(0, +), 1, accuracy: 1e-9)
                if let shown = current?.optionsShown {
                    for o in 0..<4 where !shown.contains(o) { XCTAssertEqual(j.probabilities[o], 0) }
                }
                lastJudgment = j
            case .roundStarted(let rs):
                XCTAssertEqual(rs.round, expectRound)
                XCTAssertNotNil(lastJudgment, "the prior comes before round 1")
                XCTAssertEqual(rs.requestIDs.count, current?.condition.roles.count)
                repliesThisRound = 0
            case .assistantReply(let a) where current?.condition.isProtocol == true:
                XCTAssertEqual(a.round, expectRound)
                XCTAssertNotNil(a.quotes)
                repliesThisRound += 1
                if repliesThisRound == current?.condition.roles.count { expectRound += 1 }
            case .submitted(let sub) where sub.condition.isProtocol:
                XCTAssertEqual(sub.probabilities, lastJudgment?.probabilities, "the final judgment is the answer")
                XCTAssertEqual(lastJudgment?.round, expectRound - 1)
                XCTAssertEqual(sub.choice, sub.probabilities.flatMap(JudgmentScale.answer))
            default:
                break
            }
        }
        XCTAssertEqual(protocolQuestions, 4)

        let inputs = try DatasetLoader.discover(path: folder.path)
        let d = DatasetLoader.load(logs: inputs.logs, baselines: [], jobs: 2, kinds: .simulated)
        var options = ScoreOptions()
        options.resamples = 200
        options.jobs = 2
        let report = Scorer.score(d, options: options)
        let t = try XCTUnwrap(report.tasks.first { $0.task == .quality })
        let c = try XCTUnwrap(t.rows.first { $0.condition == "consultancy" })
        XCTAssertEqual(c.answers, 12)
        XCTAssertEqual((c.protocolStats?.honestAnswers ?? 0) + (c.protocolStats?.dishonestAnswers ?? 0), 12)
        XCTAssertNotNil(c.protocolStats?.meanLog2Score)
        let b = try XCTUnwrap(t.rows.first { $0.condition == "debate" })
        XCTAssertEqual(b.answers, 12)
        XCTAssertEqual(b.protocolStats?.verifiedQuoteShare.map(\.role), [.debaterA, .debaterB])
        XCTAssertGreaterThanOrEqual(b.protocolStats?.meanRounds ?? 0, 1)
    }
}
