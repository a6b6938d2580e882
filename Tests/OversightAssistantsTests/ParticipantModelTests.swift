import Foundation
import OversightAssistants
import OversightCore
import OversightSimulation
import XCTest

/// `--participant-model`: a language model over the OpenAI-compatible API plays the
/// participant through the real runtime (here a loopback server stands in for the model).
final class ParticipantModelTests: XCTestCase {
    static let root = URL(fileURLWithPath: "\(#filePath)").deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    private static func sse(_ text: String) -> String {
        "data: {\"choices\":[{\"delta\":{\"content\":\"\(text)\"}}]}\n\ndata: [DONE]\n\n"
    }

    func testParse() {
        let scale = [25, 42, 60, 80, 100]
        XCTAssertEqual(ParticipantModel.parse("ASK: Is (B) right?", scale: scale, canAsk: true), .ask("Is (B) right?"))
        XCTAssertEqual(ParticipantModel.parse("ASK: Is (B) right?", scale: scale, canAsk: false), .unparsed)
        XCTAssertEqual(ParticipantModel.parse("ANSWER: C 78%", scale: scale, canAsk: true), .answer(option: 2, level: 3))
        XCTAssertEqual(ParticipantModel.parse("answer: (a) 30%", scale: scale, canAsk: false), .answer(option: 0, level: 0))
        XCTAssertEqual(ParticipantModel.parse("The answer is D.", scale: scale, canAsk: false), .answer(option: 3, level: 4))
        XCTAssertEqual(ParticipantModel.parse("I am not sure.", scale: scale, canAsk: true), .unparsed)
    }

    func run(server: FaultServer, participants: Int = 1) async throws -> ([SimulatedSessionSummary], URL, ResolvedStudy) {
        var study = try StudyLoader.load(path: Self.root.appendingPathComponent("Tasks/demo.toml").path)
        study.assistant.provider = .simulated
        let resolved = try StudyResolver.resolve(study)
        var config = AssistantConfig()
        config.provider = .openai
        config.model = "participant"
        config.baseURL = "http://127.0.0.1:\(server.port)/v1"
        config.timeoutSeconds = 10
        let model = ParticipantModel(client: try OpenAIAssistant(config: config, environment: [:]))
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("pm-\(UUID().uuidString)")
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        let summaries = try await SimulationRunner.run(
            study: resolved, policy: SimulationPolicy(), seed: 1, participants: participants, jobs: 1, sessionsRoot: dir,
            assistant: SimulatedAssistant(seed: 1, accuracy: 0.6, wordDelayMs: 0), participantModel: model)
        return (summaries, dir, resolved)
    }

    /// The model sees the screen, asks once on each assisted question, then answers B at 80%:
    /// the log holds its message and those answers, and the session finishes.
    func testModelAsksThenAnswers() async throws {
        let server = try FaultServer([.echo { request in
            request.body.contains("you have sent 0 of") ? .sse(Self.sse("ASK: Which option is right, and why?"))
                : .sse(Self.sse("ANSWER: B 80%"))
        }], lifetime: 120)
        defer { server.stop() }
        let (summaries, dir, resolved) = try await run(server: server)
        let s = try XCTUnwrap(summaries.first)
        guard case .finished = s.outcome else { return XCTFail("not finished: \(s)") }
        let total = resolved.blocks.reduce(0) { $0 + $1.count }
        let assisted = zip(resolved.study.blocks, resolved.blocks).reduce(0) { $0 + ($1.0.condition == .assisted ? $1.1.count : 0) }
        XCTAssertEqual(s.answers, total)
        XCTAssertEqual(s.messages, assisted)
        XCTAssertEqual(s.unparsedDecisions, 0)
        let log = SessionLogReader.read(url: SessionPaths.logURL(root: dir, studyID: resolved.study.id, participant: "sim-001"))
        let subs = log.records.compactMap { if case .submitted(let x) = $0.event { return x } else { return nil } }
        XCTAssertEqual(subs.count, total)
        XCTAssertTrue(subs.allSatisfy { $0.choice == 1 && $0.confidence == 80 }, "\(subs)")
        let sent = log.records.compactMap { if case .chatSent(_, _, let t) = $0.event { return t } else { return nil } }
        XCTAssertEqual(sent, Array(repeating: "Which option is right, and why?", count: assisted))
        // It was shown the screen: the question text of the first question was in a request.
        let first = try XCTUnwrap(resolved.blocks.first?.first)
        let words = first.text.split(separator: " ").prefix(3).joined(separator: " ")
        XCTAssertTrue(server.requests.contains { $0.body.contains(words) }, "the screen text was not sent")
    }

    /// Replies that say nothing usable: asked twice per question, then a seeded guess; the
    /// session still finishes and the count is reported.
    func testUnusableRepliesAreCountedAndTheSessionMovesOn() async throws {
        let server = try FaultServer([.sse(Self.sse("Hmm, hard to say."))], lifetime: 120)
        defer { server.stop() }
        let (summaries, _, resolved) = try await run(server: server)
        let s = try XCTUnwrap(summaries.first)
        guard case .finished = s.outcome else { return XCTFail("not finished: \(s)") }
        let total = resolved.blocks.reduce(0) { $0 + $1.count }
        XCTAssertEqual(s.answers, total)
        // A two-stage question is decided twice: the initial answer, then the final one.
        let twoStage = zip(resolved.study.blocks, resolved.blocks).reduce(0) { $0 + ($1.0.initialAnswer ? $1.1.count : 0) }
        XCTAssertEqual(s.unparsedDecisions, 2 * (total + twoStage))
    }
}
