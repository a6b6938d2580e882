import Foundation
import XCTest
import OversightCore
@testable import OversightTUI

/// What a `kill -9` can cost: active time since the last record, and reply text the
/// participant had already read.
final class CrashLossTests: XCTestCase {
    /// Drive the runtime as the terminal driver does (a tick only when `msUntilWake` says one is
    /// due; nil means sleep until a key) for `totalMs`, and return the largest active time that
    /// a crash at any moment would have lost (now minus the last record's `mono_ms`).
    func worstLoss(_ h: Harness, totalMs: Int64) -> Int64 {
        var worst: Int64 = 0
        var elapsed: Int64 = 0
        var due = h.runtime.msUntilWake().map { Int64($0) }
        while elapsed < totalMs {
            h.clock.advance(50)
            elapsed += 50
            if let d = due {
                if d <= 50 {
                    h.runtime.tick()
                    due = h.runtime.msUntilWake().map { Int64($0) }
                } else {
                    due = d - 50
                }
            }
            worst = max(worst, h.runtime.nowMs - h.log.lastMonoMs)
        }
        return worst
    }

    func testHeartbeatsBoundTheLossOnUntimedAndTimedQuestions() throws {
        for limit in [nil, 300] as [Int?] {
            let h = try Harness(study: Fixtures.study(instructions: nil, timeLimit: limit))
            XCTAssertEqual(h.state.phase, .question)
            // The participant reads for 12 s without pressing anything.
            let worst = worstLoss(h, totalMs: 12_000)
            XCTAssertLessThanOrEqual(worst, 2_000, "time limit \(String(describing: limit)): a crash would lose \(worst) ms")
            XCTAssertGreaterThanOrEqual(h.log.types.filter { $0 == "heartbeat" }.count, 10)
            // And on the unaided (untimed) MMLU block as well.
            h.run(.key(.function(3)), .type("b3"), .key(.enter), .key(.enter), .key(.function(3)), .type("a2"),
                  .key(.enter), .key(.enter))
            XCTAssertEqual(h.state.question?.task, .mmlu)
            let worstMMLU = worstLoss(h, totalMs: 8_000)
            XCTAssertLessThanOrEqual(worstMMLU, 2_000, "unaided block: \(worstMMLU) ms")
        }
    }

    func testHeartbeatIsNotDurableAndNotWrittenOffQuestions() throws {
        XCTAssertFalse(SessionEvent.heartbeat.isDurable)
        let h = try Harness()
        XCTAssertEqual(h.state.phase, .instructions)
        h.clock.advance(10_000)
        h.runtime.tick()
        XCTAssertFalse(h.log.types.contains("heartbeat"), "the instructions screen asks no question")
    }

    /// Streamed text is logged at most once a second as it arrives; the pieces add up to what
    /// was shown.
    func testStreamedTextIsLoggedAsItArrivesAtMostOncePerSecond() throws {
        let h = try Harness(study: Fixtures.study(instructions: nil))
        h.run(.type("Who lied?"), .key(.enter))
        var shown = ""
        for i in 0..<50 {
            let piece = "word\(i) "
            shown += piece
            h.run(.chunk(requestID: 1, .text(piece)), .advance(ms: 100))
        }
        let progress = h.log.records.filter { $0.event.type == "assistant_progress" }
        XCTAssertGreaterThanOrEqual(progress.count, 4)
        XCTAssertLessThanOrEqual(progress.count, 6, "at most one a second over 5 s")
        for (a, b) in zip(progress, progress.dropFirst()) {
            XCTAssertGreaterThanOrEqual(b.monoMs - a.monoMs, AppCore.progressRecordMs)
        }
        let logged = progress.map { r -> String in
            guard case .assistantProgress("q1", 1, let t) = r.event else { return "?" }
            return t
        }.joined()
        XCTAssertTrue(shown.hasPrefix(logged), "logged text is what was shown, in order")
        XCTAssertGreaterThanOrEqual(logged.count, shown.count - 12, "at most about a second of text is unlogged")
        XCTAssertFalse(SessionEvent.assistantProgress(questionID: "q", requestID: 1, text: "x").isDurable)
        // The reply ends: the full text is in assistant_reply as before.
        h.run(.chunk(requestID: 1, .done(AssistantUsage())))
        guard case .assistantReply(let r) = h.log.records.last?.event else { return XCTFail("\(h.log.types)") }
        XCTAssertEqual(r.text, shown)
        XCTAssertEqual(r.status, .complete)
    }

    /// After a `kill -9` mid-reply, the resumed session shows the part the participant had read,
    /// marked as interrupted, and logs it so.
    func testResumeShowsAndLogsThePartialReplyAsInterrupted() throws {
        let h = try Harness(study: Fixtures.study(instructions: nil))
        h.run(.type("Who lied?"), .key(.enter), .advance(ms: 400), .chunk(requestID: 1, .text("The radio operator")),
              .advance(ms: 1_200), .chunk(requestID: 1, .text(" had lied")), .advance(ms: 1_200),
              .chunk(requestID: 1, .text(" bef")))
        XCTAssertTrue(h.screen.contains("The radio operator had") && h.screen.contains("lied bef"), h.screen)
        // The process dies here (no quit, no assistant_reply).
        let log2 = MemoryLog(records: h.log.records)
        let h2 = try Harness(study: Fixtures.study(instructions: nil), log: log2)
        XCTAssertEqual(Array(log2.types.suffix(4)), ["session_resume", "resized", "assistant_reply", "question_shown"])
        guard case .assistantReply(let r) = log2.records[log2.records.count - 2].event else { return XCTFail() }
        XCTAssertEqual(r.status, .interrupted)
        XCTAssertEqual(r.text, "The radio operator had lied", "the text logged before the crash")
        XCTAssertEqual(r.requestID, 1)
        XCTAssertNil(h2.state.pending)
        XCTAssertEqual(h2.state.chat.entries.last, .assistant(text: "The radio operator had lied", status: .interrupted,
                                                              error: r.error))
        XCTAssertTrue(h2.screen.contains("The radio operator had"), h2.screen)
        XCTAssertTrue(h2.screen.contains("[reply interrupted"), h2.screen)
        // The model's context holds the exchange as the participant saw it; F5 can ask again.
        XCTAssertEqual(h2.state.conversation?.messages.suffix(2).map(\.content), ["Who lied?", "The radio operator had lied"])
        XCTAssertTrue(AppCore.canRetry(h2.state))
        // A replay of the resumed log gives the same state as the live resumed session.
        var replay = AppState(context: StudyContext(h2.study, participant: "p01"), size: Size(cols: 80, rows: 24))
        for rec in log2.records { AppCore.apply(&replay, rec.event, monoMs: rec.monoMs) }
        XCTAssertEqual(replay.durable, h2.state.durable)
    }
}
