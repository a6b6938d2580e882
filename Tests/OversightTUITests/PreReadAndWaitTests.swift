import XCTest
import OversightCore
@testable import OversightTUI

/// The article is pre-read as soon as its question is drawn, and a reply that has not started
/// shows how long the participant has waited.
final class PreReadAndWaitTests: XCTestCase {
    private func prepared(_ effects: [Effect]) -> [String] {
        effects.compactMap { if case .prepareAssistant(let q, _) = $0 { return q } else { return nil } }
    }

    func testQualityArticleIsPreReadWhileTheInstructionsShow() {
        let state = AppState(context: StudyContext(Fixtures.study(), participant: "p01"), size: Size(cols: 80, rows: 24))
        let effects = AppCore.startEffects(state, sessionID: "s")
        XCTAssertTrue(effects.contains(.appendLog(.instructionsShown)))
        XCTAssertEqual(prepared(effects), ["q1"])
        guard case .prepareAssistant(_, let messages)? = effects.first(where: {
            if case .prepareAssistant = $0 { return true } else { return false }
        }) else { return XCTFail("\(effects)") }
        XCTAssertEqual(messages.first?.content, Fixtures.passageText)
    }

    func testResumingOnTheInstructionsReadsTheFirstArticleAgain() {
        let c = Core()
        XCTAssertEqual(c.state.phase, .instructions)
        XCTAssertEqual(prepared(AppCore.resumeEffects(c.state, downtimeMs: 5_000)), ["q1"])
    }

    func testNextArticleIsPreReadDuringTheUnaidedQuestionBeforeIt() {
        // Unaided MMLU (2 questions), then assisted QuALITY; no instructions.
        let base = Fixtures.study(instructions: nil)
        var study = base.study
        study.blocks.swapAt(0, 1)
        let resolved = ResolvedStudy(study: study, blocks: [base.blocks[1], base.blocks[0]])
        var c = Core(study: resolved)
        let first = AppCore.startEffects(AppState(context: StudyContext(resolved, participant: "p01"),
                                                  size: Size(cols: 80, rows: 24)), sessionID: "s")
        // On the first MMLU question the next one is MMLU too: nothing to read yet.
        XCTAssertEqual(prepared(first), [])
        c.key(.char("a"))
        c.key(.char("3"))
        XCTAssertEqual(prepared(c.key(.enter)), [])
        XCTAssertEqual(c.state.phase, .feedback)
        let effects = c.key(.enter)
        // Now on the last MMLU question: the QuALITY article after it is read ahead.
        XCTAssertEqual(c.state.question?.task, .mmlu)
        XCTAssertEqual(c.state.index, 1)
        XCTAssertEqual(prepared(effects), ["q1"])
    }

    func testAnAssistedQuestionDoesNotReadTheNextArticleOverItsOwn() {
        var c = Core()
        let effects = c.key(.enter)
        XCTAssertEqual(prepared(effects), ["q1"])
    }

    func testWaitingHeadingAtGivenWaits() {
        XCTAssertEqual(StreamingReply.waitingHeading(waitedSeconds: nil, frame: 0), "Assistant is typing.")
        XCTAssertEqual(StreamingReply.waitingHeading(waitedSeconds: 1, frame: 1), "Assistant is typing..")
        XCTAssertEqual(StreamingReply.waitingHeading(waitedSeconds: 2, frame: 0), "Waiting for the assistant: 2 s")
        XCTAssertEqual(StreamingReply.waitingHeading(waitedSeconds: 12, frame: 2), "Waiting for the assistant: 12 s")
        XCTAssertEqual(StreamingReply.waitingHeading(waitedSeconds: 75, frame: 0), "Waiting for the assistant: 1 min 15 s")
    }

    func testTheChatShowsTheSecondsWaitedUntilTheFirstText() throws {
        let size = Size(cols: 160, rows: 48)
        var c = Core(size: size)
        c.key(.enter)
        c.type("Who lied?")
        c.key(.enter)
        let p = try XCTUnwrap(c.state.pending)
        c.send(.tick(nowMs: p.startedMs + 12_400))
        var screen = AppCore.render(c.state, size: size).plainLines().joined(separator: "\n")
        XCTAssertTrue(screen.contains("Waiting for the assistant: 12 s"), screen)
        c.send(.tick(nowMs: p.startedMs + 13_000))
        screen = AppCore.render(c.state, size: size).plainLines().joined(separator: "\n")
        XCTAssertTrue(screen.contains("Waiting for the assistant: 13 s"), screen)
        // Once text arrives, the usual typing heading.
        c.send(.assistantChunk(requestID: p.requestID, .text("The ")))
        screen = AppCore.render(c.state, size: size).plainLines().joined(separator: "\n")
        XCTAssertFalse(screen.contains("Waiting for the assistant"), screen)
    }
}
