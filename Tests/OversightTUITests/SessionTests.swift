import Foundation
import XCTest
import OversightCore
@testable import OversightTUI

/// Whole sessions through the headless backend and the real log writer: resume is a replay.
final class SessionTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("oversight-tui-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: dir)
    }

    let simulated = SimulatedAssistant(seed: 7, accuracy: 0.6, wordDelayMs: 0)

    func start(_ study: ResolvedStudy, url: URL, clock: ManualClock, size: Size) throws -> HeadlessBackend {
        let writer: SessionLogWriter
        var history: [LogRecord] = []
        if FileManager.default.fileExists(atPath: url.path) {
            let (w, read) = try SessionLogWriter.resume(at: url)
            writer = w
            history = read.records
        } else {
            writer = try SessionLogWriter.create(at: url)
        }
        let rt = try SessionRuntime(study: study, participant: "p07", assistant: simulated,
                                    log: writer, history: history, size: size, clock: clock.clock, assistantMode: .live)
        return HeadlessBackend(runtime: rt, clock: clock, size: size)
    }

    func testTwoBlockSessionWithQuitAndResumeEqualsLiveState() throws {
        let study = Fixtures.study(feedback: true, qualityCount: 2, mmluCount: 2)
        let url = SessionPaths.logURL(root: dir, studyID: "pilot", participant: "p07")
        let size = Size(cols: 100, rows: 30)
        let clock = ManualClock(startMs: 50_000)
        let a = try start(study, url: url, clock: clock, size: size)

        // Instructions, then block 1 (assisted QuALITY, 5-minute limit).
        XCTAssertTrue(a.screen.joined().contains("Instructions"))
        a.run([.advance(ms: 2_000), .key(.enter)])
        XCTAssertEqual(a.runtime.state.focus, .chat)
        a.run([.type("Who saw the storm?"), .key(.enter)])
        XCTAssertTrue(a.waitUntil(timeout: 10) { $0.pending == nil && $0.chat.entries.count == 2 })
        // The reply shown is the simulated assistant's reply to the passage turn plus the message.
        let q1 = study.blocks[0][0]
        var expected = Conversation(question: q1, systemPrompt: nil, sendQuestion: false).messages
        expected.append(ChatMessage(role: .user, content: "Who saw the storm?"))
        let want = simulated.reply(to: AssistantRequest(id: 1, messages: expected, question: q1))
        XCTAssertFalse(want.isEmpty)
        XCTAssertEqual(a.runtime.state.chat.entries.last, .assistant(text: want, status: .complete, error: nil))
        a.run([.advance(ms: 10_000), .key(.ctrl("r")), .type("And the radio?"), .key(.enter)])
        XCTAssertTrue(a.waitUntil(timeout: 10) { $0.pending == nil && $0.chat.entries.count == 5 })
        a.run([.key(.function(2)), .key(.pageDown), .key(.pageDown), .key(.down), .advance(ms: 600),
               .key(.char("/")), .type("radio"), .key(.enter), .advance(ms: 600),
               .key(.function(3)), .type("b4"), .advance(ms: 20_000), .key(.enter)])
        XCTAssertEqual(a.runtime.state.phase, .feedback)
        XCTAssertTrue(a.screen.joined(separator: "\n").contains("Correct."), a.screen.joined(separator: "\n"))
        a.run([.key(.enter)])
        // Question 2: some work, then the participant quits half-way.
        a.run([.type("Is it A?"), .key(.enter)])
        XCTAssertTrue(a.waitUntil(timeout: 10) { $0.pending == nil && $0.chat.entries.count == 2 })
        a.run([.key(.function(3)), .type("c2"), .key(.function(2)), .key(.end), .advance(ms: 30_000),
               .resize(Size(cols: 120, rows: 40)), .key(.ctrl("c")), .key(.char("y"))])
        XCTAssertEqual(a.runtime.outcome, .quit(.user))
        let live = a.runtime.state.durable
        let liveRemaining = a.runtime.state.remainingMs
        XCTAssertEqual(live.chat.count, 2)

        // Two minutes later the app is started again on the same log.
        clock.advance(120_000)
        let b = try start(study, url: url, clock: clock, size: size)
        XCTAssertEqual(b.runtime.state.durable, live)
        XCTAssertEqual(b.runtime.state.remainingMs, liveRemaining, "downtime must not count against the timer")
        XCTAssertEqual(b.runtime.state.conversation?.messages.count, 4)
        let screen = b.screen.joined(separator: "\n")
        XCTAssertTrue(screen.contains("Block 1/2 · Question 2/2 · Assisted"), screen)
        XCTAssertTrue(screen.contains("(•) C"), screen)

        // Finish the session from the resumed runtime: q2, then the unaided MMLU block.
        b.run([.key(.function(3)), .key(.enter), .key(.enter)])
        XCTAssertEqual(b.runtime.state.block, 1)
        XCTAssertEqual(b.runtime.state.focus, .answer)
        XCTAssertNil(b.runtime.state.deadlineMs)
        for _ in 0..<2 { b.run([.type("c5"), .key(.enter), .key(.enter)]) }
        XCTAssertEqual(b.runtime.state.phase, .finished)
        let end = SessionLogReader.read(url: url).records.last
        let code = CompletionCode.make(studyID: "pilot", participant: "p07", finalHash: end?.prev ?? "", secret: nil)
        XCTAssertEqual(end?.event, .sessionEnd(completionCode: code))
        XCTAssertTrue(b.screen.joined().contains(code))
        b.run([.key(.enter)])
        XCTAssertEqual(b.runtime.outcome, .finished(completionCode: code))

        // The log is sound, complete, and tells the whole story.
        let report = SessionLogVerifier.verify(url: url)
        XCTAssertTrue(report.ok, "\(report.issues)")
        XCTAssertTrue(report.finished)
        let records = SessionLogReader.read(url: url).records
        let types = records.map(\.event.type)
        for t in ["session_start", "instructions_shown", "question_shown", "chat_sent", "assistant_reply", "assistant_reset",
                  "focus_changed", "passage_viewport", "passage_search", "option_chosen", "confidence_chosen",
                  "submitted", "feedback_shown", "resized", "quit", "session_resume", "session_end"] {
            XCTAssertTrue(types.contains(t), "missing \(t)")
        }
        let monos = records.map(\.monoMs)
        XCTAssertEqual(monos, monos.sorted(), "mono_ms never goes back")
        if let resume = records.first(where: { $0.event.type == "session_resume" }),
           let quit = records.last(where: { $0.event.type == "quit" }) {
            XCTAssertEqual(resume.monoMs, quit.monoMs, "active time continues from the last record")
        } else {
            XCTFail("no resume/quit")
        }
        let subs = records.compactMap { if case .submitted(let s) = $0.event { return s } else { return nil } }
        XCTAssertEqual(subs.map(\.questionID), study.blocks.flatMap { $0.map(\.id) })
        XCTAssertEqual(subs.map(\.choice), [1, 2, 2, 2])
        XCTAssertEqual(subs.map(\.correct), [true, false, true, true])
        XCTAssertEqual(subs[1].elapsedMs, 30_000, "the two minutes the app was down do not count")
        XCTAssertEqual(subs.map(\.confidence), [80, 42, 100, 100])

        // And a finished session cannot be started again.
        XCTAssertThrowsError(try start(study, url: url, clock: clock, size: size)) { e in
            XCTAssertEqual(e as? SessionRuntimeError, .alreadyFinished(completionCode: code))
        }
    }

    func testReplayAtEveryPrefixMatchesLiveState() throws {
        // Run a scripted session on an in-memory log, remembering the durable state after each
        // step; replaying each prefix of the log must give the same state.
        let h = try Harness(study: Fixtures.study(feedback: false, qualityCount: 2, mmluCount: 1))
        let steps: [HeadlessStep] = [
            .key(.enter), .type("hello"), .key(.enter), .chunk(requestID: 1, .text("hi there")),
            .chunk(requestID: 1, .done(AssistantUsage())), .key(.ctrl("r")), .type("again"), .key(.enter),
            .chunk(requestID: 2, .text("partial")), .key(.escape), .key(.tab), .key(.pageDown), .advance(ms: 700),
            .key(.char("/")), .type("storm"), .key(.enter), .key(.char("n")), .advance(ms: 700), .key(.escape),
            .key(.char("/")), .type("radio"), .key(.enter), .advance(ms: 700),
            .key(.tab), .type("d3"), .key(.enter), .type("x"), .key(.enter), .chunk(requestID: 3, .text("cut")),
            .key(.function(3)), .type("a1"), .key(.enter), .type("b2"), .key(.enter),
        ]
        var checkpoints: [(Int, DurableState, Bool)] = []
        for s in steps {
            h.backend.step(s)
            checkpoints.append((h.log.records.count, h.state.durable, h.state.viewportDirtySinceMs != nil))
        }
        XCTAssertEqual(h.state.phase, .finished)
        var comparedOffsets = 0
        for (count, expected, dirty) in checkpoints {
            var replay = AppState(context: StudyContext(h.study, participant: "p01"), size: Size(cols: 80, rows: 24))
            for r in h.log.records.prefix(count) { AppCore.apply(&replay, r.event, monoMs: r.monoMs) }
            var want = expected
            // The passage position is logged debounced: compare it only once it was logged.
            if dirty { want.passageOffset = replay.passage.topOffset } else { comparedOffsets += 1 }
            XCTAssertEqual(replay.durable, want, "after \(count) records")
        }
        XCTAssertGreaterThan(comparedOffsets, 10)
    }

    func testResumeMidReplyLogsTheInterruptedReply() throws {
        let h = try Harness()
        h.run(.key(.enter), .type("hello"), .key(.enter), .chunk(requestID: 1, .text("partial")))
        // The process dies here: no quit record.
        let records = h.log.records
        let log2 = MemoryLog(records: records)
        let h2 = try Harness(log: log2)
        XCTAssertEqual(Array(log2.types.suffix(4)), ["session_resume", "resized", "assistant_reply", "question_shown"])
        XCTAssertNil(h2.state.pending)
        guard case .assistantReply(let r) = log2.records[log2.records.count - 2].event else { return XCTFail() }
        XCTAssertEqual(r.status, .interrupted)
        XCTAssertEqual(r.text, "", "nothing of it was logged yet (under a second of text)")
        XCTAssertEqual(r.requestID, 1)
        XCTAssertEqual(h2.state.chat.entries.count, 2)
        // New requests get fresh ids.
        h2.run(.type("again"), .key(.enter))
        XCTAssertEqual(h2.recorder.requests.last?.requestID, 2)
    }
}

final class ResumeEdgeTests: XCTestCase {
    func testResumeRightAfterASubmissionShowsWhatCameNext() throws {
        let h = try Harness()
        h.run(.key(.enter), .key(.function(3)), .type("b3"), .key(.enter))
        // Cut the log just after the submission, as if the app died before feedback_shown.
        guard let cut = h.log.records.lastIndex(where: { $0.event.type == "submitted" }) else { return XCTFail() }
        let log2 = MemoryLog(records: Array(h.log.records.prefix(cut + 1)))
        let h2 = try Harness(log: log2)
        XCTAssertEqual(h2.state.phase, .feedback)
        XCTAssertEqual(log2.types.last, "feedback_shown")
        XCTAssertEqual(log2.types.filter { $0 == "submitted" }.count, 1, "never submitted twice")
    }

    func testResumeOnInstructionsAndAfterOnlySessionStart() throws {
        let h = try Harness()
        let onlyStart = MemoryLog(records: Array(h.log.records.prefix(1)))
        let h2 = try Harness(log: onlyStart)
        XCTAssertEqual(h2.state.phase, .instructions)
        XCTAssertEqual(onlyStart.types, ["session_start", "session_resume", "resized", "instructions_shown"])
    }
}

/// The end of a session: the completion code comes from the log's final hash (keyed with the
/// study secret when there is one), and a log changed behind the app's back is said so.
final class SessionEndTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("oversight-end-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    private func session(_ url: URL, secret: StudySecret? = nil) throws -> (SessionLogWriter, HeadlessBackend) {
        let study = Fixtures.study(feedback: false, qualityCount: 1, mmluCount: 1)
        let writer = try SessionLogWriter.create(at: url)
        let clock = ManualClock(startMs: 1_000)
        let size = Size(cols: 100, rows: 30)
        let rt = try SessionRuntime(study: study, participant: "p01", assistant: ScriptedAssistant(), log: writer,
                                    size: size, clock: clock.clock, assistantMode: .recorded(RequestRecorder()), secret: secret)
        let backend = HeadlessBackend(runtime: rt, clock: clock, size: size)
        backend.run([.key(.enter), .key(.function(3)), .type("a1"), .key(.enter)])
        return (writer, backend)
    }

    func testCodeIsKeyedWithTheStudySecretAndDerivedFromTheFinalRecord() throws {
        let secret = try XCTUnwrap(StudySecret("a study secret, long enough"))
        let url = dir.appendingPathComponent("p01.jsonl")
        let (writer, b) = try session(url, secret: secret)
        b.run([.key(.function(3)), .type("b2"), .key(.enter)])
        writer.close()
        let records = SessionLogReader.read(url: url).records
        guard let end = records.last, case .sessionEnd(let code) = end.event else { return XCTFail("no session_end") }
        XCTAssertFalse(records.contains { $0.event.type == "log_changed" })
        XCTAssertEqual(code, CompletionCode.make(studyID: "pilot", participant: "p01", finalHash: end.prev, secret: secret))
        XCTAssertNotEqual(code, CompletionCode.make(studyID: "pilot", participant: "p01", finalHash: end.prev, secret: nil))
        XCTAssertTrue(b.screen.joined(separator: "\n").contains(code))
        XCTAssertFalse(b.screen.joined(separator: "\n").contains("was changed"))
        let raw = try String(contentsOf: url, encoding: .utf8)
        XCTAssertFalse(raw.contains("a study secret"), "the secret never reaches the log")
    }

    func testLogChangedDuringTheSessionIsLoggedAndShown() throws {
        let url = dir.appendingPathComponent("p01.jsonl")
        let (writer, b) = try session(url)
        // Someone edits the log while the session runs: an answer rewritten, every prev recomputed.
        var lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map(String.init)
        guard let k = lines.firstIndex(where: { $0.contains("\"type\":\"submitted\"") }) else { return XCTFail("no answer") }
        lines[k] = lines[k].replacingOccurrences(of: "\"confidence\":", with: "\"confidence\":1")
        var prev = LogRecord.genesis
        for i in lines.indices {
            if let r = lines[i].range(of: #""prev":"[0-9a-f]{64}""#, options: .regularExpression) {
                lines[i].replaceSubrange(r, with: "\"prev\":\"\(prev)\"")
            }
            prev = SHA256.hex(lines[i])
        }
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: url)

        b.run([.key(.function(3)), .type("b2"), .key(.enter)])
        writer.close()
        let records = SessionLogReader.read(url: url).records
        XCTAssertEqual(records.suffix(2).map(\.event.type), ["log_changed", "session_end"])
        guard case .logChanged(let detail) = records[records.count - 2].event,
              let end = records.last, case .sessionEnd(let code) = end.event else { return XCTFail("\(records.map(\.event.type))") }
        // The records written after the edit follow this session's own chain, not the forged one.
        XCTAssertTrue(detail.contains("hash chain broken"), detail)
        // The code still comes from the chain this session wrote, so it matches no forged file.
        XCTAssertEqual(code, CompletionCode.make(studyID: "pilot", participant: "p01", finalHash: end.prev, secret: nil))
        let screen = b.screen.joined(separator: "\n")
        XCTAssertTrue(screen.contains(code), screen)
        XCTAssertTrue(screen.contains("the session log was changed during the session"), screen)
    }
}
