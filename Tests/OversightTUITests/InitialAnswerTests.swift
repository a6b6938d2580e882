import Foundation
import XCTest
import OversightCore
@testable import OversightTUI

/// The two-stage question of `initial_answer = true` blocks: keys, the time limit across both
/// stages, the `initial_submitted` record and resume between the stages.
final class InitialAnswerTests: XCTestCase {
    /// The fixture study with its first (assisted QuALITY, 5-minute) block made two-stage.
    static func twoStage(timeLimit: Int? = 300) -> ResolvedStudy {
        var r = Fixtures.study(timeLimit: timeLimit)
        r.study.blocks[0].initialAnswer = true
        return r
    }

    func onFirstQuestion(_ study: ResolvedStudy = twoStage()) -> Core {
        var c = Core(study: study)
        c.key(.enter)
        XCTAssertEqual(c.state.phase, .question)
        return c
    }

    func screen(_ c: Core) -> String { AppCore.render(c.state, size: c.state.size).plainLines().joined(separator: "\n") }

    func testSessionStartNamesTheTwoStageBlock() {
        let c = Core(study: Self.twoStage())
        guard case .sessionStart(let s) = c.logged[0] else { return XCTFail("no session_start") }
        XCTAssertEqual(s.blocks.map(\.initialAnswer), [true, nil])
    }

    func testStageOneHidesTheAssistantAndTakesTheInitialAnswer() {
        var c = onFirstQuestion()
        XCTAssertTrue(c.state.awaitingInitialAnswer)
        XCTAssertFalse(c.state.isAssisted)
        XCTAssertEqual(c.state.focus, .answer, "stage 1 opens on the answer pane")
        XCTAssertEqual(c.state.panes, [.passage, .answer])
        var text = screen(c)
        XCTAssertTrue(text.contains("Step 1 of 2"), text)
        XCTAssertTrue(text.contains("Step 1/2: initial answer"), text)
        XCTAssertFalse(text.contains("Assistant chat"), text)
        // The chat is out of reach: F4 and F6 do nothing, Tab cycles passage and answer only.
        XCTAssertEqual(c.key(.function(4)), [])
        XCTAssertEqual(c.key(.function(6)), [])
        XCTAssertEqual(c.state.input.text, "")
        XCTAssertEqual(c.key(.tab), [.appendLog(.focusChanged(pane: .passage))])
        XCTAssertEqual(c.key(.tab), [.appendLog(.focusChanged(pane: .answer))])
        // Enter needs an option and a confidence, as for the final answer.
        XCTAssertEqual(c.key(.enter), [])
        XCTAssertNotNil(c.state.notice)
        c.type("b3")
        c.send(.tick(nowMs: c.state.questionStartMs + 12_000))
        let effects = c.key(.enter)
        XCTAssertEqual(effects, [.appendLog(.initialSubmitted(InitialSubmission(
            questionID: "q1", choice: 1, confidence: 60, elapsedMs: 12_000)))])
        // Stage 2: the chat opens with the focus, the answer is kept, nothing says right or wrong.
        XCTAssertFalse(c.state.awaitingInitialAnswer)
        XCTAssertTrue(c.state.isAssisted)
        XCTAssertEqual(c.state.focus, .chat)
        XCTAssertEqual(c.state.panes, [.passage, .answer, .chat])
        XCTAssertEqual(c.state.answer, AnswerState(choice: 1, confidenceLevel: 2))
        XCTAssertEqual(c.state.phase, .question)
        text = screen(c)
        XCTAssertTrue(text.contains("Step 2 of 2"), text)
        XCTAssertTrue(text.contains("Assistant chat"), text)
        XCTAssertFalse(text.contains("Correct") || text.contains("Wrong") || text.contains("correct answer"), text)
        // The final answer is a normal submission.
        c.key(.function(3))
        c.type("a")
        let final = c.key(.enter)
        guard case .appendLog(.submitted(let sub)) = final.first else { return XCTFail("\(final)") }
        XCTAssertEqual(sub.choice, 0)
        XCTAssertEqual(sub.confidence, 60)
        XCTAssertEqual(c.lastLoggedTypes.filter { $0 == "initial_submitted" }.count, 1)
    }

    func testBlocksWithoutTheKeyAreUnchanged() {
        var c = onFirstQuestion(Fixtures.study())
        XCTAssertFalse(c.state.awaitingInitialAnswer)
        XCTAssertEqual(c.state.focus, .chat)
        c.key(.function(3))
        c.type("b3")
        guard case .appendLog(.submitted) = c.key(.enter).first else { return XCTFail("not submitted") }
    }

    func testOneTimeLimitCoversBothStages() {
        var c = onFirstQuestion()
        let start = c.state.questionStartMs
        XCTAssertEqual(c.state.deadlineMs, start + 300_000)
        c.type("c4")
        c.send(.tick(nowMs: start + 100_000))
        c.key(.enter)
        XCTAssertEqual(c.state.deadlineMs, start + 300_000, "the initial answer does not restart the clock")
        XCTAssertEqual(c.state.remainingMs, 200_000)
        c.send(.tick(nowMs: start + 299_000))
        XCTAssertEqual(c.state.phase, .question)
        let effects = c.send(.tick(nowMs: start + 300_000))
        guard case .appendLog(.submitted(let sub)) = effects.first(where: {
            if case .appendLog(.submitted) = $0 { return true } else { return false }
        }) else { return XCTFail("\(effects)") }
        XCTAssertTrue(sub.timedOut)
        XCTAssertEqual(sub.elapsedMs, 300_000)
        XCTAssertEqual(sub.choice, 2)
    }

    func testTimeOutInStageOneSubmitsTheChoiceAsFinalWithoutAnInitialAnswer() {
        var c = onFirstQuestion()
        let start = c.state.questionStartMs
        c.type("d")
        let effects = c.send(.tick(nowMs: start + 300_000))
        guard case .appendLog(.submitted(let sub)) = effects.first else { return XCTFail("\(effects)") }
        XCTAssertTrue(sub.timedOut)
        XCTAssertEqual(sub.choice, 3)
        XCTAssertFalse(c.lastLoggedTypes.contains("initial_submitted"), "no initial answer was given")
        XCTAssertFalse(c.lastLoggedTypes.contains("chat_sent"))
    }

    func testResumeBetweenTheStagesIsAReplay() throws {
        let study = Self.twoStage()
        let h = try Harness(study: study)
        h.run(.key(.enter), .type("b2"), .advance(ms: 5_000), .key(.enter))
        XCTAssertFalse(h.state.awaitingInitialAnswer)
        XCTAssertEqual(h.state.initialAnswer?.choice, 1)
        h.run(.advance(ms: 3_000), .key(.ctrl("c")), .key(.char("y")))
        let live = h.state.durable
        // Started again on the same log: stage 2, chat open, same deadline.
        let log2 = MemoryLog(records: h.log.records)
        let h2 = try Harness(study: study, log: log2)
        XCTAssertEqual(h2.state.durable, live)
        XCTAssertEqual(h2.state.focus, .chat)
        XCTAssertTrue(h2.state.isAssisted)
        XCTAssertTrue(h2.screen.contains("Step 2 of 2"), h2.screen)
        // A replay of the resumed log rebuilds the same state.
        var replay = AppState(context: StudyContext(study, participant: "p01"), size: Size(cols: 80, rows: 24))
        for r in log2.records { AppCore.apply(&replay, r.event, monoMs: r.monoMs) }
        XCTAssertEqual(replay.durable, h2.state.durable)
    }

    func testResumeInStageOneStaysInStageOne() throws {
        let study = Self.twoStage()
        let h = try Harness(study: study)
        h.run(.key(.enter), .type("a"), .advance(ms: 2_000), .key(.ctrl("c")), .key(.char("y")))
        let h2 = try Harness(study: study, log: MemoryLog(records: h.log.records))
        XCTAssertTrue(h2.state.awaitingInitialAnswer)
        XCTAssertEqual(h2.state.focus, .answer)
        XCTAssertEqual(h2.state.answer.choice, 0)
        XCTAssertTrue(h2.screen.contains("Step 1 of 2"), h2.screen)
        h2.run(.type("5"), .key(.enter))
        XCTAssertEqual(h2.state.initialAnswer, InitialSubmission(questionID: "q1", choice: 0, confidence: 100, elapsedMs: 2_000))
    }

    func testHelpSaysTheStages() {
        let lines = HelpOverlay.entries(assisted: false, levels: 5, twoStage: true).map(\.1)
        XCTAssertTrue(lines.contains { $0.contains("step 1") }, "\(lines)")
    }
}
