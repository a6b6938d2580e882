import XCTest
import OversightCore
@testable import OversightTUI

/// F5 sends the participant's last message again after a failed or cancelled reply.
final class RetryTests: XCTestCase {
    /// A core on the first (assisted) question.
    func onFirstQuestion() -> Core {
        var c = Core()
        c.key(.enter)
        XCTAssertEqual(c.state.phase, .question)
        return c
    }

    func frame(_ c: Core) -> String { AppCore.render(c.state, size: c.state.size).plainLines().joined(separator: "\n") }

    func startRequest(_ effects: [Effect]) -> (id: Int, messages: [ChatMessage])? {
        for case .startReply(let id, _, let messages) in effects { return (id, messages) }
        return nil
    }

    func testF5AfterFailedReplySendsTheMessageAgainAsANewRequest() {
        var c = onFirstQuestion()
        c.type("Who lied?")
        let first = startRequest(c.key(.enter))
        c.send(.assistantFailed(requestID: first?.id ?? -1, message: "HTTP 500: boom"))
        XCTAssertEqual(c.state.retry?.userText, "Who lied?")
        XCTAssertTrue(AppCore.canRetry(c.state))
        let before = c.logged.count
        let effects = c.key(.function(5))
        guard let second = startRequest(effects), let firstID = first?.id else { return XCTFail("\(effects)") }
        XCTAssertEqual(second.id, firstID + 1, "a new request id")
        XCTAssertEqual(Array(c.logged[before...]), [.chatSent(questionID: "q1", requestID: second.id, text: "Who lied?")])
        // The failed reply left nothing in the context, so the request holds the message once.
        XCTAssertEqual(second.messages, first?.messages)
        XCTAssertEqual(second.messages.filter { $0.role == .user && $0.content == "Who lied?" }.count, 1)
        XCTAssertEqual(c.state.pending?.requestID, second.id)
        XCTAssertNil(c.state.retry)
        c.send(.assistantChunk(requestID: second.id, .text("The operator.")))
        c.send(.assistantChunk(requestID: second.id, .done(AssistantUsage())))
        XCTAssertEqual(c.state.conversation?.messages.suffix(2).map(\.content), ["Who lied?", "The operator."])
        XCTAssertEqual(c.state.conversation?.messages.filter { $0.content == "Who lied?" }.count, 1)
        // The transcript keeps the failed attempt visible.
        XCTAssertEqual(c.state.chat.entries, [
            .user("Who lied?"), .assistant(text: "", status: .failed, error: "HTTP 500: boom"),
            .user("Who lied?"), .assistant(text: "The operator.", status: .complete, error: nil),
        ])
        // Nothing left to retry after a complete reply.
        XCTAssertFalse(AppCore.canRetry(c.state))
        XCTAssertEqual(c.key(.function(5)), [])
    }

    func testRetryAfterPartialReplyReplacesThatExchangeInTheContext() {
        var c = onFirstQuestion()
        c.type("First question")
        let r1 = startRequest(c.key(.enter))
        c.send(.assistantChunk(requestID: r1?.id ?? -1, .text("Answer one.")))
        c.send(.assistantChunk(requestID: r1?.id ?? -1, .done(AssistantUsage())))
        c.type("Who lied?")
        let r2 = startRequest(c.key(.enter))
        c.send(.assistantChunk(requestID: r2?.id ?? -1, .text("The radio")))
        c.send(.assistantFailed(requestID: r2?.id ?? -1, message: "connection dropped"))
        // The partial text is kept in the context, as the participant saw it...
        XCTAssertEqual(c.state.conversation?.messages.suffix(2).map(\.content), ["Who lied?", "The radio"])
        // ...until the message is sent again: then the model gets one copy of the exchange.
        guard let retry = startRequest(c.key(.function(5))) else { return XCTFail("F5 started nothing") }
        let contents = retry.messages.map(\.content)
        XCTAssertEqual(Array(contents.suffix(3)), ["First question", "Answer one.", "Who lied?"])
        XCTAssertFalse(contents.contains("The radio"), "the failed partial reply is not sent again")
        XCTAssertEqual(contents.filter { $0 == "Who lied?" }.count, 1)
        XCTAssertEqual(c.state.conversation?.messages.map(\.content), Array(contents.dropLast()),
                       "apply holds the same context that was sent")
        XCTAssertEqual(retry.messages.first?.content, Fixtures.passageText, "the passage turn stays first")
    }

    func testF5AfterCancelledReplyAndTypingTheSameTextAgainAgree() {
        // Esc then F5, and Esc then the same text typed again, build the same request.
        func run(_ again: (inout Core) -> [Effect]) -> [ChatMessage]? {
            var c = onFirstQuestion()
            c.type("Q")
            let r = startRequest(c.key(.enter))
            c.send(.assistantChunk(requestID: r?.id ?? -1, .text("Part")))
            c.key(.escape)
            XCTAssertEqual(c.state.chat.entries.last, .assistant(text: "Part", status: .cancelled, error: nil))
            XCTAssertTrue(AppCore.canRetry(c.state))
            return startRequest(again(&c))?.messages
        }
        let byF5 = run { $0.key(.function(5)) }
        let typed = run { c in c.type("Q"); return c.key(.enter) }
        XCTAssertNotNil(byF5)
        XCTAssertEqual(byF5, typed)
        XCTAssertEqual(byF5?.filter { $0.content == "Q" }.count, 1)
        XCTAssertFalse(byF5?.contains { $0.content == "Part" } ?? true)
    }

    func testF5DoesNothingWhenThereIsNothingToRetryOrAReplyStreams() {
        var c = onFirstQuestion()
        XCTAssertEqual(c.key(.function(5)), [], "no message yet")
        c.type("Q")
        let r = startRequest(c.key(.enter))
        let n = c.logged.count
        XCTAssertEqual(c.key(.function(5)), [], "a reply is streaming")
        c.send(.assistantChunk(requestID: r?.id ?? -1, .done(AssistantUsage())))
        XCTAssertEqual(c.key(.function(5)), [], "the reply completed")
        XCTAssertEqual(c.logged.count, n + 1, "only the reply was logged")
        // A reset forgets the failed exchange: nothing to retry.
        c.type("again")
        let r2 = startRequest(c.key(.enter))
        c.send(.assistantFailed(requestID: r2?.id ?? -1, message: "timeout"))
        XCTAssertTrue(AppCore.canRetry(c.state))
        c.key(.ctrl("r"))
        XCTAssertFalse(AppCore.canRetry(c.state))
        XCTAssertEqual(c.key(.function(5)), [])
        // An unaided question has no chat: F5 does nothing there.
        var u = Core(study: Fixtures.mmluOnly())
        XCTAssertEqual(u.state.phase, .question)
        XCTAssertEqual(u.key(.function(5)), [])
    }

    func testF5WorksFromEveryPaneButNotUnderAnOverlay() {
        var c = onFirstQuestion()
        c.type("Q")
        let r = startRequest(c.key(.enter))
        c.send(.assistantFailed(requestID: r?.id ?? -1, message: "HTTP 404: Not Found"))
        c.key(.function(3))
        XCTAssertEqual(c.state.focus, .answer)
        c.key(.function(1))
        XCTAssertEqual(c.key(.function(5)), [], "the help overlay takes the key")
        c.key(.escape)
        let effects = c.key(.function(5))
        XCTAssertNotNil(startRequest(effects), "F5 works with the answer pane focused")
        XCTAssertEqual(c.state.focus, .answer, "retrying does not move the focus")
    }

    func testRetryHintInChatPaneStatusBarAndHelp() {
        var c = onFirstQuestion()
        c.type("Q")
        let r = startRequest(c.key(.enter))
        XCTAssertFalse(frame(c).contains("F5"), "no hint while the reply streams")
        c.send(.assistantChunk(requestID: r?.id ?? -1, .text("Half")))
        c.send(.assistantFailed(requestID: r?.id ?? -1, message: "connection dropped"))
        var shown = frame(c)
        XCTAssertTrue(shown.contains("[reply failed: connection"), shown)
        XCTAssertTrue(shown.contains("Half"), shown)
        XCTAssertTrue(shown.contains("F5 retry: sends your"), shown)
        let rows = AppCore.render(c.state, size: c.state.size).plainLines()
        XCTAssertTrue(rows.last?.contains("F5 retry") ?? false, "status bar hint: \(rows.last ?? "")")
        // The hint also shows with another pane focused.
        c.key(.function(3))
        XCTAssertTrue(AppCore.render(c.state, size: c.state.size).plainLines().last?.contains("F5 retry") ?? false)
        // Gone once the retry is under way, and after it completes.
        let retry = startRequest(c.key(.function(5)))
        shown = frame(c)
        XCTAssertFalse(shown.contains("F5 retry"), shown)
        c.send(.assistantChunk(requestID: retry?.id ?? -1, .done(AssistantUsage())))
        XCTAssertFalse(frame(c).contains("F5 retry"))
        // The help overlay lists the key on assisted screens.
        XCTAssertTrue(HelpOverlay.entries(assisted: true).contains { $0.0.contains("F5") })
        XCTAssertFalse(HelpOverlay.entries(assisted: false).contains { $0.0.contains("F5") })
    }

    func testChatScrollCountsTheHintLine() {
        var c = onFirstQuestion()
        let width = AppCore.chatWidth(c.state)
        c.type("Q")
        let r = startRequest(c.key(.enter))
        c.send(.assistantFailed(requestID: r?.id ?? -1, message: "refused"))
        let without = c.state.chat.transcript(width: width, streaming: nil, frame: 0).count
        let with = c.state.chat.transcript(width: width, streaming: nil, frame: 0, retryHint: true).count
        XCTAssertEqual(with - without, TextLayout.wrap(ChatViewState.retryHintText, width: width - 2).count)
        XCTAssertGreaterThan(with, without)
    }

    func testReplayOfARetriedSessionEqualsTheLiveStateAndResumeKeepsF5() throws {
        let h = try Harness(study: Fixtures.study(feedback: false, qualityCount: 1, mmluCount: 1))
        let steps: [HeadlessStep] = [
            .key(.enter), .type("hello"), .key(.enter), .chunk(requestID: 1, .text("par")),
            .fail(requestID: 1, message: "connection dropped"), .key(.function(5)),
            .chunk(requestID: 2, .text("whole reply")), .chunk(requestID: 2, .done(AssistantUsage())),
            .type("next"), .key(.enter), .key(.escape), .key(.function(5)), .fail(requestID: 4, message: "HTTP 500: boom"),
        ]
        var checkpoints: [(Int, DurableState)] = []
        for s in steps {
            h.backend.step(s)
            checkpoints.append((h.log.records.count, h.state.durable))
        }
        XCTAssertEqual(h.recorder.requests.map(\.requestID), [1, 2, 3, 4])
        XCTAssertEqual(h.log.records.filter { $0.event.type == "chat_sent" }.count, 4)
        for (count, expected) in checkpoints {
            var replay = AppState(context: StudyContext(h.study, participant: "p01"), size: Size(cols: 80, rows: 24))
            for r in h.log.records.prefix(count) { AppCore.apply(&replay, r.event, monoMs: r.monoMs) }
            XCTAssertEqual(replay.durable, expected, "after \(count) records")
        }
        // The model's context holds each message once.
        let users = h.state.conversation?.messages.filter { $0.role == .user }.map(\.content) ?? []
        XCTAssertEqual(users.filter { $0 == "hello" }.count, 1)
        XCTAssertFalse(users.contains("next"), "the last exchange failed with no text")
        XCTAssertTrue(AppCore.canRetry(h.state))

        // Resume: the replayed state still offers the retry, and it sends the same context.
        let liveContext = h.state.conversation?.messages ?? []
        let h2 = try Harness(study: h.study, log: MemoryLog(records: h.log.records))
        XCTAssertTrue(AppCore.canRetry(h2.state))
        XCTAssertTrue(h2.screen.contains("F5 retry"), h2.screen)
        h2.run(.key(.function(5)))
        XCTAssertEqual(h2.recorder.requests.last?.requestID, 5)
        XCTAssertEqual(h2.recorder.requests.last?.messages, liveContext + [ChatMessage(role: .user, content: "next")])
    }

    func testRemoveLastExchangeOnlyRemovesAMatchingPair() {
        var conv = Conversation(question: Fixtures.quality(1), systemPrompt: "Be brief.", sendQuestion: true)
        let preamble = conv.messages
        conv.appendUser("a")
        conv.appendAssistant("b")
        XCTAssertFalse(conv.removeLastExchange(user: "a", assistant: "x"))
        XCTAssertEqual(conv.messages.count, preamble.count + 2)
        XCTAssertTrue(conv.removeLastExchange(user: "a", assistant: "b"))
        XCTAssertEqual(conv.messages, preamble)
        XCTAssertFalse(conv.removeLastExchange(user: "a", assistant: "b"), "the preamble is never removed")
        // What survives a reset is unchanged by a removal.
        conv.appendUser("c")
        conv.appendAssistant("d")
        conv.appendUser("e")
        conv.appendAssistant("f")
        XCTAssertTrue(conv.removeLastExchange(user: "e", assistant: "f"))
        XCTAssertEqual(conv.messages.map(\.content).suffix(2), ["c", "d"])
        conv.reset()
        XCTAssertEqual(conv.messages, preamble)
    }
}
