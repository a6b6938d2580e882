import Foundation
import XCTest
import OversightCore
@testable import OversightTUI

/// A sink that checks, at every append, that the state does not show the event yet.
final class CheckingLog: SessionLogSink {
    var inner = MemoryLog()
    weak var runtime: SessionRuntime?
    var violations: [String] = []
    var lastMonoMs: Int64 { inner.lastMonoMs }
    var lastHash: String { inner.lastHash }
    func changedOnDisk() -> String? { inner.changedOnDisk() }

    func append(_ event: SessionEvent, monoMs: Int64) throws -> LogRecord {
        if let s = runtime?.state {
            switch event {
            case .optionChosen(_, let o) where s.answer.choice == o: violations.append("option applied before logging")
            case .confidenceChosen(_, let l, _) where s.answer.confidenceLevel == l: violations.append("confidence applied before logging")
            case .submitted where s.phase != .question: violations.append("submission applied before logging")
            case .chatSent where s.pending != nil: violations.append("chat applied before logging")
            default: break
            }
        }
        return try inner.append(event, monoMs: monoMs)
    }
}

final class RuntimeTests: XCTestCase {
    func testEveryDurableChangeIsLoggedBeforeItIsApplied() throws {
        let log = CheckingLog()
        let clock = ManualClock()
        let recorder = RequestRecorder()
        let rt = try SessionRuntime(study: Fixtures.study(), participant: "p01", assistant: ScriptedAssistant(), log: log,
                                    size: Size(cols: 80, rows: 24), clock: clock.clock, assistantMode: .recorded(recorder))
        log.runtime = rt
        let h = HeadlessBackend(runtime: rt, clock: clock, size: Size(cols: 80, rows: 24))
        h.run([.key(.enter), .type("hi"), .key(.enter), .chunk(requestID: 1, .text("yo")),
               .chunk(requestID: 1, .done(AssistantUsage())), .key(.function(3)), .type("a4"), .key(.enter)])
        XCTAssertEqual(log.violations, [])
        XCTAssertEqual(log.inner.types, ["session_start", "resized", "instructions_shown", "question_shown", "chat_sent",
                                         "assistant_reply", "focus_changed", "option_chosen", "confidence_chosen",
                                         "submitted", "feedback_shown"])
        XCTAssertEqual(recorder.requests.map(\.requestID), [1])
    }

    func testLogFailureStopsAnswersAndIsShown() throws {
        let h = try Harness()
        h.run(.key(.enter), .key(.function(3)), .type("b"))
        XCTAssertEqual(h.state.answer.choice, 1)
        h.log.failing = true
        h.run(.type("c"))
        XCTAssertEqual(h.state.answer.choice, 1, "a change that was not logged must not take effect")
        XCTAssertEqual(h.runtime.lastLogError, "disk full")
        XCTAssertTrue(h.screen.contains("The session log cannot be written: disk full"))
        h.log.failing = false
        h.run(.type("3"), .key(.enter))
        XCTAssertNil(h.state.answer.confidenceLevel)
        XCTAssertEqual(h.state.phase, .question)
        // The timer does not submit either.
        h.run(.advance(ms: 400_000))
        XCTAssertEqual(h.state.phase, .question)
        h.run(.key(.ctrl("c")), .key(.char("y")))
        XCTAssertEqual(h.runtime.outcome, .quit(.logFailure("disk full")))
    }

    func testUnwritableLogAtStartThrows() {
        let log = MemoryLog()
        log.failing = true
        XCTAssertThrowsError(try Harness(log: log)) { e in
            XCTAssertEqual(e as? SessionRuntimeError, .logUnwritable("disk full"))
        }
    }

    func testTimerRunsOnInjectedClockWhileAssistantStreams() throws {
        let h = try Harness()
        h.run(.key(.enter), .type("long question"), .key(.enter), .chunk(requestID: 1, .text("thinking")))
        XCTAssertTrue(h.screen.contains("Time left 5:00"))
        h.run(.advance(ms: 250_000))
        XCTAssertTrue(h.screen.contains("Time left 0:50 !"), h.screen)
        h.run(.advance(ms: 45_000))
        XCTAssertTrue(h.screen.contains("Time left 0:05 !!"))
        XCTAssertEqual(h.state.phase, .question)
        h.run(.advance(ms: 5_000))
        XCTAssertEqual(h.state.phase, .feedback)
        XCTAssertTrue(h.screen.contains("Time ran out."))
        // The streaming reply was cancelled and logged before the submission.
        XCTAssertEqual(Array(h.log.types.suffix(3)), ["assistant_reply", "submitted", "feedback_shown"])
        h.run(.chunk(requestID: 1, .text(" late")))
        XCTAssertEqual(h.state.phase, .feedback)
    }

    func testNextWakeIsDerivedFromTheClock() throws {
        let h = try Harness()
        h.run(.key(.enter), .advance(ms: 300))
        XCTAssertEqual(h.runtime.msUntilWake(), 700)
    }

    func testLiveAssistantStreamsThroughTheInbox() throws {
        let h = try Harness(live: true, assistant: ScriptedAssistant(reply: "It was the keeper."))
        h.run(.key(.enter), .type("Who?"), .key(.enter))
        XCTAssertTrue(h.backend.waitUntil(timeout: 10) { $0.pending == nil && $0.chat.entries.count == 2 })
        XCTAssertEqual(h.state.chat.entries.last, .assistant(text: "It was the keeper.", status: .complete, error: nil))
        XCTAssertFalse(h.runtime.hasActiveReplies)
        guard case .assistantReply(let r) = h.log.records.last?.event else { return XCTFail() }
        XCTAssertEqual(r.provider, "simulated")
        XCTAssertEqual(r.completionTokens, 4)
    }

    func testLiveAssistantFailureIsShownWithPartialText() throws {
        let h = try Harness(live: true, assistant: ScriptedAssistant(reply: "one two three", failAfterWords: 2))
        h.run(.key(.enter), .type("Q"), .key(.enter))
        XCTAssertTrue(h.backend.waitUntil(timeout: 10) { $0.pending == nil && $0.chat.entries.count == 2 })
        XCTAssertEqual(h.state.chat.entries.last,
                       .assistant(text: "one two", status: .failed, error: "Connection to the assistant dropped: test"))
        XCTAssertTrue(h.screen.contains("[reply failed"), h.screen)
    }

    func testFinishedLogCannotBeStartedAgain() throws {
        let study = Fixtures.study(feedback: false, qualityCount: 1, mmluCount: 1)
        let h = try Harness(study: study)
        h.run(.key(.enter))
        for _ in 0..<2 { h.run(.key(.function(3)), .type("a1"), .key(.enter)) }
        XCTAssertEqual(h.state.phase, .finished)
        guard let end = h.log.records.last, case .sessionEnd(let code) = end.event else { return XCTFail("no session_end") }
        XCTAssertEqual(code, CompletionCode.make(studyID: "pilot", participant: "p01", finalHash: end.prev, secret: nil))
        XCTAssertTrue(h.screen.contains(code))
        h.run(.key(.enter))
        XCTAssertEqual(h.runtime.outcome, .finished(completionCode: code))
        XCTAssertThrowsError(try Harness(study: study, log: MemoryLog(records: h.log.records))) { e in
            guard case SessionRuntimeError.alreadyFinished = e else { return XCTFail("\(e)") }
            XCTAssertTrue("\(e)".contains("already finished"))
        }
    }

    func testLogOfAnotherParticipantOrDrawIsRefused() throws {
        let h = try Harness()
        let other = Fixtures.mmluOnly()
        XCTAssertThrowsError(try Harness(study: other, log: MemoryLog(records: h.log.records)))
        XCTAssertThrowsError(try SessionRuntime(study: Fixtures.study(), participant: "p02", assistant: ScriptedAssistant(),
                                                log: MemoryLog(records: h.log.records), history: h.log.records,
                                                size: Size(cols: 80, rows: 24)))
    }
}

final class StrayKeyTests: XCTestCase {
    func testKeyArrivingAfterTheDeadlineDoesNotActOnTheNextScreen() throws {
        let h = try Harness()
        h.run(.key(.enter), .key(.function(3)), .type("a"))
        // Time passes with no tick delivered; the next key is an Enter meant for the question.
        h.clock.advance(301_000)
        h.run(.key(.enter))
        XCTAssertEqual(h.state.phase, .feedback, "the timer submitted; the Enter must not also skip the feedback")
        guard case .submitted(let sub) = h.log.records.last(where: { $0.event.type == "submitted" })?.event else { return XCTFail() }
        XCTAssertTrue(sub.timedOut)
        XCTAssertEqual(sub.choice, 0)
        h.run(.key(.enter))
        XCTAssertEqual(h.state.question?.id, "q2")
    }
}

final class PauseTests: XCTestCase {
    func testTimeStandsStillWhileTheTerminalIsTooSmall() throws {
        let h = try Harness()
        h.run(.key(.enter), .advance(ms: 10_000))
        XCTAssertEqual(h.state.remainingMs, 290_000)
        h.run(.resize(Size(cols: 60, rows: 20)))
        XCTAssertTrue(h.screen.contains("Please enlarge the terminal"))
        let pausedAt = h.runtime.nowMs
        XCTAssertNil(h.runtime.msUntilWake(), "nothing to wake for while paused")
        // Ten minutes pass: more than the whole time limit.
        h.run(.advance(ms: 600_000))
        XCTAssertEqual(h.state.phase, .question, "the question did not time out while it could not be seen")
        XCTAssertEqual(h.runtime.nowMs, pausedAt)
        h.run(.resize(Size(cols: 80, rows: 24)))
        XCTAssertEqual(h.state.remainingMs, 290_000)
        XCTAssertTrue(h.screen.contains("Time left 4:50"), h.screen)
        h.run(.advance(ms: 5_000), .key(.function(3)), .type("a1"), .key(.enter))
        let records = h.log.records
        let paused = try XCTUnwrap(records.first { $0.event == .timePaused(reason: "too_small") })
        let resumed = try XCTUnwrap(records.first { $0.event == .timeResumed })
        XCTAssertEqual(paused.monoMs, resumed.monoMs, "no active time passes between pause and resume")
        guard case .submitted(let sub)? = records.last(where: { $0.event.type == "submitted" })?.event else {
            return XCTFail("no submission")
        }
        XCTAssertEqual(sub.elapsedMs, 15_000)
    }

    func testResumeOfALogThatStoppedWhilePaused() throws {
        let h = try Harness()
        h.run(.key(.enter), .advance(ms: 10_000), .resize(Size(cols: 60, rows: 20)), .advance(ms: 5_000), .hangup)
        XCTAssertEqual(h.log.types.suffix(3), ["resized", "time_paused", "quit"])
        let log = MemoryLog(records: h.log.records)
        let replay = try SessionRuntime(study: h.study, participant: "p01", assistant: ScriptedAssistant(),
                                        log: log, history: h.log.records,
                                        size: Size(cols: 80, rows: 24), clock: ManualClock(startMs: 0).clock,
                                        wallNowMs: { 1_700_000_100_000 }, assistantMode: .recorded(RequestRecorder()))
        XCTAssertFalse(replay.state.timePaused)
        XCTAssertEqual(Array(log.types.suffix(from: h.log.records.count).prefix(3)),
                       ["session_resume", "resized", "time_resumed"])
        XCTAssertEqual(replay.state.remainingMs, 290_000)
        let again = try SessionRuntime(study: h.study, participant: "p01", assistant: ScriptedAssistant(),
                                       log: MemoryLog(records: h.log.records), history: h.log.records,
                                       size: Size(cols: 70, rows: 20), clock: ManualClock(startMs: 0).clock,
                                       wallNowMs: { 1_700_000_100_000 }, assistantMode: .recorded(RequestRecorder()))
        XCTAssertTrue(again.state.timePaused, "still too small: time stays paused, nothing more to log")
        XCTAssertNil(again.msUntilWake())
    }
}

final class WakeTests: XCTestCase {
    func testNoBusyWakeAfterALogFailure() throws {
        let h = try Harness()
        h.run(.key(.enter), .key(.function(2)), .key(.pageDown))
        h.log.failing = true
        h.run(.key(.function(3)), .advance(ms: 301_000))
        XCTAssertNotNil(h.state.logFailure)
        XCTAssertEqual(h.state.phase, .question)
        // Past the deadline with a dirty viewport, yet nothing can act: no wake-up is due now.
        XCTAssertNil(h.runtime.msUntilWake())
    }

    func testWakeForTypingAnimationWhileAReplyStreams() throws {
        let h = try Harness(study: Fixtures.study(timeLimit: nil))
        h.run(.key(.enter), .type("hi"), .key(.enter), .advance(ms: 100))
        XCTAssertEqual(h.runtime.msUntilWake(), 300)
        h.run(.chunk(requestID: 1, .done(AssistantUsage())))
        XCTAssertEqual(h.runtime.msUntilWake(), Int(AppCore.heartbeatMs), "only the next heartbeat is left")
    }
}

final class EndScreenTests: XCTestCase {
    func testLeavingTheEndScreenWritesNothingAfterSessionEnd() throws {
        let h = try Harness(study: Fixtures.study(feedback: false, qualityCount: 1, mmluCount: 1))
        h.run(.key(.enter), .key(.function(3)), .type("a1"), .key(.enter), .type("a1"), .key(.enter))
        XCTAssertEqual(h.log.types.last, "session_end")
        h.run(.key(.ctrl("c")), .key(.char("y")))
        XCTAssertEqual(h.log.types.last, "session_end")
        XCTAssertEqual(h.runtime.outcome, .quit(.user))
    }
}
