import XCTest
import OversightCore
@testable import OversightTUI

final class UpdateTests: XCTestCase {
    /// A core past the instructions, on the first (assisted QuALITY, timed) question.
    func onFirstQuestion(size: Size = Size(cols: 80, rows: 24), study: ResolvedStudy = Fixtures.study()) -> Core {
        var c = Core(study: study, size: size)
        XCTAssertEqual(c.state.phase, .instructions)
        c.key(.enter)
        XCTAssertEqual(c.state.phase, .question)
        return c
    }

    func testStartLogsSessionStartAndInstructions() {
        let c = Core()
        XCTAssertEqual(c.lastLoggedTypes, ["session_start", "resized", "instructions_shown"])
        guard case .sessionStart(let s) = c.logged[0] else { return XCTFail("no session_start") }
        XCTAssertEqual(s.blocks.map(\.questionIDs), [["q1", "q2"], ["mmlu/college_physics/val/1", "mmlu/college_physics/val/2"]])
        XCTAssertEqual(s.confidence, [25, 42, 60, 80, 100])
    }

    func testAssistedQuestionOpensOnChatAndPreparesAssistant() {
        var c = Core()
        let effects = c.key(.enter)
        XCTAssertEqual(c.state.focus, .chat)
        XCTAssertTrue(effects.contains { if case .prepareAssistant(let q, let m) = $0 { return q == "q1" && m.first?.content == Fixtures.passageText } else { return false } })
        XCTAssertEqual(c.state.deadlineMs, c.state.questionStartMs + 300_000)
    }

    func testKeysDependOnFocus() {
        var c = onFirstQuestion()
        // In the chat input, letters and digits are text.
        c.type("ab1")
        XCTAssertEqual(c.state.input.text, "ab1")
        XCTAssertNil(c.state.answer.choice)
        // F3 moves to the answer pane; there a-d and 1-5 choose.
        c.key(.function(3))
        XCTAssertEqual(c.state.focus, .answer)
        XCTAssertEqual(c.key(.char("b")), [.appendLog(.optionChosen(questionID: "q1", option: 1))])
        XCTAssertEqual(c.key(.char("B")), [])                          // same option again: nothing logged
        XCTAssertEqual(c.key(.char("5")), [.appendLog(.confidenceChosen(questionID: "q1", level: 4, value: 100))])
        XCTAssertEqual(c.key(.char("x")), [])
        XCTAssertEqual(c.state.answer, AnswerState(choice: 1, confidenceLevel: 4))
        // Changing the option is logged again.
        XCTAssertEqual(c.key(.char("c")), [.appendLog(.optionChosen(questionID: "q1", option: 2))])
        // The passage pane takes no text: a-d and 1-5 answer there too (the chat input is untouched).
        c.key(.function(2))
        XCTAssertEqual(c.state.focus, .passage)
        XCTAssertEqual(c.key(.char("a")), [.appendLog(.optionChosen(questionID: "q1", option: 0))])
        XCTAssertEqual(c.state.answer.choice, 0)
        XCTAssertEqual(c.state.input.text, "ab1")
    }

    func testAnswerKeysWorkFromTheQuestionPaneButNotWhileSearching() {
        var c = Core(study: Fixtures.mmluOnly())
        c.key(.enter)
        XCTAssertEqual(c.state.phase, .question)
        let qid = c.state.question?.id ?? ""
        XCTAssertEqual(c.key(.function(2)), [.appendLog(.focusChanged(pane: .passage))])
        XCTAssertEqual(c.key(.char("d")), [.appendLog(.optionChosen(questionID: qid, option: 3))])
        XCTAssertEqual(c.key(.char("2")), [.appendLog(.confidenceChosen(questionID: qid, level: 1, value: 42))])
        XCTAssertEqual(c.key(.char("C")), [.appendLog(.optionChosen(questionID: qid, option: 2))])
        XCTAssertEqual(c.state.answer, AnswerState(choice: 2, confidenceLevel: 1))
        XCTAssertEqual(c.state.focus, .passage, "answering from the question pane leaves the focus there")
        // Scrolling and search keys keep their meaning.
        XCTAssertEqual(c.key(.char("9")), [])
        // While the search prompt takes text, letters and digits are the query.
        c.key(.char("/"))
        c.type("b3")
        XCTAssertEqual(c.state.passage.searchPrompt?.text, "b3")
        XCTAssertEqual(c.state.answer, AnswerState(choice: 2, confidenceLevel: 1))
    }

    func testF6InsertsTheQuestionIntoTheChatInputFromAnyPane() {
        var c = onFirstQuestion()
        c.type("About this:")
        c.key(.function(3))
        let q = try! XCTUnwrap(c.state.question)
        let block = AppCore.questionForChat(q)
        XCTAssertTrue(block.hasPrefix("Question: \(q.text) Choices: (A) \(q.options[0])"), block)
        XCTAssertFalse(block.contains("\n"), "one line of editable text")
        let effects = c.key(.function(6))
        XCTAssertEqual(effects, [.appendLog(.questionInserted(questionID: q.id, chars: block.count + 1)),
                                 .appendLog(.focusChanged(pane: .chat))])
        XCTAssertEqual(c.state.input.text, "About this: " + block)
        XCTAssertEqual(c.state.focus, .chat)
        // Editable like typing; Enter sends the edited text as a normal message.
        c.key(.backspace)
        let sent = c.key(.enter)
        XCTAssertEqual(sent.first, .appendLog(.chatSent(questionID: q.id, requestID: 1,
                                                        text: "About this: " + String(block.dropLast()))))
        // Unaided questions have no chat: F6 does nothing and logs nothing.
        var u = Core(study: Fixtures.mmluOnly())
        u.key(.enter)
        XCTAssertEqual(u.key(.function(6)), [])
        XCTAssertEqual(u.state.input.text, "")
    }

    func testChatInputSaysTheAssistantCannotSeeTheQuestion() {
        let c = onFirstQuestion(size: Size(cols: 160, rows: 48))
        let screen = AppCore.render(c.state, size: Size(cols: 160, rows: 48)).plainLines().joined(separator: "\n")
        XCTAssertTrue(screen.contains("cannot see the question: type or insert it (F6)"), screen)
        // Narrow panes get a shorter form of the same hint.
        XCTAssertEqual(ChatView.placeholder(waiting: false, width: 34, questionHidden: true),
                       "It can't see the question: F6")
        // When the study sends the question, the usual hint.
        let sends = Fixtures.study(sendQuestion: true)
        var d = Core(study: sends, size: Size(cols: 160, rows: 48))
        d.key(.enter)
        let other = AppCore.render(d.state, size: Size(cols: 160, rows: 48)).plainLines().joined(separator: "\n")
        XCTAssertFalse(other.contains("cannot see the question"))
        XCTAssertTrue(other.contains("Type a message, Enter sends"))
    }

    func testTabCyclesAvailablePanesAndLogsFocus() {
        var c = onFirstQuestion()
        XCTAssertEqual(c.key(.tab), [.appendLog(.focusChanged(pane: .passage))])
        c.key(.tab)
        XCTAssertEqual(c.state.focus, .answer)
        c.key(.tab)
        XCTAssertEqual(c.state.focus, .chat)
        c.key(.backTab)
        XCTAssertEqual(c.state.focus, .answer)
        // Unaided: no chat pane, F4 does nothing.
        var u = Core(study: Fixtures.mmluOnly())
        XCTAssertEqual(u.state.phase, .question)       // no instructions in that study
        XCTAssertEqual(u.state.focus, .answer)
        XCTAssertEqual(u.key(.function(4)), [])
        u.key(.tab); u.key(.tab)
        XCTAssertEqual(u.state.focus, .answer)
    }

    func testEnterSubmitsOnlyWhenBothChosen() {
        var c = onFirstQuestion()
        c.key(.function(3))
        XCTAssertEqual(c.key(.enter), [])
        XCTAssertEqual(c.state.notice, "Choose an option (a-d) and a confidence (1-5) first.")
        c.key(.char("a"))
        c.key(.enter)
        XCTAssertEqual(c.state.notice, "Choose a confidence (1-5) first.")
        c.key(.char("3"))
        c.send(.tick(nowMs: 42_000))
        let effects = c.key(.enter)
        guard case .appendLog(.submitted(let sub)) = effects.first else { return XCTFail("\(effects)") }
        XCTAssertEqual(sub.choice, 0)
        XCTAssertEqual(sub.confidence, 60)
        XCTAssertFalse(sub.correct)
        XCTAssertFalse(sub.timedOut)
        XCTAssertEqual(sub.elapsedMs, 42_000)
        XCTAssertEqual(effects.last, .appendLog(.feedbackShown(questionID: "q1")))
        XCTAssertEqual(c.state.phase, .feedback)
        // Feedback: only Enter continues.
        c.key(.char("a"))
        XCTAssertEqual(c.state.phase, .feedback)
        c.key(.enter)
        XCTAssertEqual(c.state.phase, .question)
        XCTAssertEqual(c.state.question?.id, "q2")
        XCTAssertNil(c.state.answer.choice)
    }

    func testTimerExpirySubmitsCurrentChoiceWithInjectedTime() {
        var c = onFirstQuestion()
        c.key(.function(3))
        c.key(.char("d"))
        let start = c.state.questionStartMs
        c.send(.tick(nowMs: start + 299_999))
        XCTAssertEqual(c.state.phase, .question)
        XCTAssertEqual(c.state.remainingMs, 1)
        XCTAssertEqual(StatusBar.clock(c.state.remainingMs ?? -1), "0:01")
        c.send(.tick(nowMs: start + 301_500))
        guard case .submitted(let sub) = c.logged.first(where: { $0.type == "submitted" }) else { return XCTFail() }
        XCTAssertTrue(sub.timedOut)
        XCTAssertEqual(sub.choice, 3)
        XCTAssertNil(sub.confidence)
        XCTAssertEqual(sub.elapsedMs, 300_000)
        XCTAssertEqual(c.state.phase, .feedback)
    }

    func testTimerExpiryWithNoChoiceIsNoAnswerAndWrong() {
        var c = onFirstQuestion()
        c.send(.tick(nowMs: c.state.deadlineMs ?? 0))
        guard case .submitted(let sub) = c.logged.first(where: { $0.type == "submitted" }) else { return XCTFail() }
        XCTAssertNil(sub.choice)
        XCTAssertFalse(sub.correct)
        XCTAssertTrue(sub.timedOut)
    }

    func testTimerWarningStylesAndWakeAtSecondBoundaries() {
        XCTAssertEqual(StatusBar.timerStyle(61_000).role, .statusBar)
        XCTAssertEqual(StatusBar.timerStyle(60_000).role, .warning)
        XCTAssertEqual(StatusBar.timerStyle(9_000).role, .danger)
        var c = onFirstQuestion()
        let start = c.state.questionStartMs
        c.send(.tick(nowMs: start + 250))
        XCTAssertEqual(AppCore.nextWakeMs(c.state), start + 1000)
        c.send(.tick(nowMs: start + 1000))
        XCTAssertEqual(AppCore.nextWakeMs(c.state), start + 2000)
    }

    func testHeartbeatEverySecondOnTimedAndUntimedQuestions() {
        for limit in [300, nil] as [Int?] {
            var c = onFirstQuestion(study: Fixtures.study(timeLimit: limit))
            let start = c.state.questionStartMs
            XCTAssertEqual(AppCore.nextWakeMs(c.state).map { $0 <= start + AppCore.heartbeatMs }, true)
            c.send(.tick(nowMs: start + 900))
            XCTAssertFalse(c.lastLoggedTypes.contains("heartbeat"))
            c.send(.tick(nowMs: start + 1_000))
            XCTAssertEqual(c.lastLoggedTypes.last, "heartbeat")
            c.send(.tick(nowMs: start + 1_500))
            XCTAssertEqual(c.lastLoggedTypes.filter { $0 == "heartbeat" }.count, 1)
            XCTAssertEqual(AppCore.nextWakeMs(c.state).map { $0 <= start + 2_000 }, true)
        }
    }

    func testChatSendStreamAndStaleChunksDropped() {
        var c = onFirstQuestion()
        c.type("Who lied?")
        let effects = c.key(.enter)
        XCTAssertEqual(effects.count, 2)
        guard case .startReply(let id, "q1", let messages) = effects[1] else { return XCTFail("\(effects)") }
        XCTAssertEqual(messages.first?.content, Fixtures.passageText)
        XCTAssertEqual(messages.last, ChatMessage(role: .user, content: "Who lied?"))
        XCTAssertEqual(c.state.input.text, "")
        XCTAssertEqual(c.state.pending?.requestID, id)
        // Chunks of another id are dropped.
        c.send(.assistantChunk(requestID: id + 7, .text("stale")))
        c.send(.assistantChunk(requestID: id, .text("The ")))
        c.send(.tick(nowMs: c.state.nowMs + 300))
        c.send(.assistantChunk(requestID: id, .text("operator.")))
        XCTAssertEqual(c.state.pending?.streaming.text, "The operator.")
        c.send(.tick(nowMs: c.state.nowMs + 200))
        c.send(.assistantChunk(requestID: id, .done(AssistantUsage(promptTokens: 5, completionTokens: 2))))
        guard case .assistantReply(let r) = c.logged.last else { return XCTFail() }
        XCTAssertEqual(r.text, "The operator.")
        XCTAssertEqual(r.status, .complete)
        XCTAssertEqual(r.ttftMs, 0)
        XCTAssertEqual(r.durationMs, 500)
        XCTAssertEqual(r.completionTokens, 2)
        XCTAssertNil(c.state.pending)
        XCTAssertEqual(c.state.conversation?.messages.suffix(2).map(\.content), ["Who lied?", "The operator."])
        // A late chunk of the finished request changes nothing.
        c.send(.assistantChunk(requestID: id, .text(" more")))
        XCTAssertEqual(c.state.chat.entries.last, .assistant(text: "The operator.", status: .complete, error: nil))
    }

    func testEscCancelsStreamingAndKeepsPartialText() {
        var c = onFirstQuestion()
        c.type("Q")
        c.key(.enter)
        let id = c.state.pending?.requestID ?? -1
        c.send(.assistantChunk(requestID: id, .text("Partial")))
        let effects = c.key(.escape)
        XCTAssertEqual(effects.last, .cancelReply(requestID: id))
        XCTAssertEqual(c.state.chat.entries.last, .assistant(text: "Partial", status: .cancelled, error: nil))
        c.send(.assistantChunk(requestID: id, .text(" late")))
        XCTAssertEqual(c.state.chat.entries.count, 2)
        XCTAssertNil(c.state.pending)
    }

    func testFailedReplyIsLoggedAndShown() {
        var c = onFirstQuestion()
        c.type("Q")
        c.key(.enter)
        let id = c.state.pending?.requestID ?? -1
        c.send(.assistantFailed(requestID: id, message: "Assistant unreachable: refused"))
        XCTAssertEqual(c.state.chat.entries.last, .assistant(text: "", status: .failed, error: "Assistant unreachable: refused"))
        // Nothing half-done enters the model's context.
        XCTAssertEqual(c.state.conversation?.messages.count, 2)
    }

    func testSecondMessageWhileStreamingIsRefused() {
        var c = onFirstQuestion()
        c.type("one")
        c.key(.enter)
        c.type("two")
        XCTAssertEqual(c.key(.enter), [])
        XCTAssertEqual(c.state.input.text, "two")
        XCTAssertEqual(c.state.chatNotice, "Wait for the reply to finish, or press Esc to cancel it.")
        let frame = AppCore.render(c.state, size: c.state.size).plainLines().joined(separator: "\n")
        // Whole, even in a narrow chat pane (wrapped above the input when the border is too short).
        XCTAssertTrue(frame.contains("Wait for the reply to"), frame)
        XCTAssertTrue(frame.contains("cancel it."), frame)
        c.key(.escape)
        XCTAssertNil(c.state.chatNotice)
    }

    func testResetClearsContextKeepsTranscriptAndPassageTurn() {
        var c = onFirstQuestion()
        c.type("hello")
        c.key(.enter)
        let id = c.state.pending?.requestID ?? -1
        c.send(.assistantChunk(requestID: id, .text("hi")))
        c.send(.assistantChunk(requestID: id, .done(AssistantUsage())))
        XCTAssertEqual(c.state.conversation?.messages.count, 4)
        XCTAssertEqual(c.key(.ctrl("r")), [.appendLog(.assistantReset(questionID: "q1"))])
        XCTAssertEqual(c.state.conversation?.messages.count, 2)
        XCTAssertEqual(c.state.conversation?.messages.first?.content, Fixtures.passageText)
        XCTAssertEqual(c.state.chat.entries, [.user("hello"), .assistant(text: "hi", status: .complete, error: nil), .resetDivider])
        // The next request starts from the passage turn only.
        c.type("again")
        let effects = c.key(.enter)
        guard case .startReply(_, _, let messages) = effects.last else { return XCTFail() }
        XCTAssertEqual(messages.count, 3)
    }

    func testResetWhileStreamingCancelsFirst() {
        var c = onFirstQuestion()
        c.type("x")
        c.key(.enter)
        let id = c.state.pending?.requestID ?? -1
        let effects = c.key(.ctrl("r"))
        XCTAssertEqual(effects.map { if case .appendLog(let e) = $0 { return e.type } else { return "\($0)" } },
                       ["assistant_reply", "cancelReply(requestID: \(id))", "assistant_reset"])
    }

    func testCtrlCAsksAndOnlyYQuits() {
        var c = onFirstQuestion()
        c.key(.ctrl("c"))
        XCTAssertEqual(c.state.overlay, .quitConfirm)
        XCTAssertEqual(c.key(.char("q")), [])                           // stray key: nothing
        XCTAssertEqual(c.key(.enter), [])
        XCTAssertEqual(c.state.overlay, .quitConfirm)
        c.key(.char("n"))
        XCTAssertNil(c.state.overlay)
        XCTAssertNil(c.state.quitting)
        c.key(.ctrl("c"))
        let effects = c.key(.char("y"))
        XCTAssertEqual(effects.suffix(2), [.appendLog(.quit(reason: "user")), .quit(.user)])
        XCTAssertEqual(c.state.quitting, .user)
    }

    func testHelpOverlaySwallowsKeys() {
        var c = onFirstQuestion()
        c.key(.function(1))
        XCTAssertEqual(c.state.overlay, .help)
        c.type("ab")
        XCTAssertEqual(c.state.input.text, "")
        c.key(.escape)
        XCTAssertNil(c.state.overlay)
    }

    func testPassageScrollIsDebouncedIntoOneViewportRecord() {
        var c = onFirstQuestion()
        c.key(.function(2))
        let t0 = c.state.nowMs
        c.key(.pageDown)
        c.key(.down)
        c.key(.down)
        XCTAssertFalse(c.lastLoggedTypes.contains("passage_viewport"))
        c.send(.tick(nowMs: t0 + 200))
        XCTAssertFalse(c.lastLoggedTypes.contains("passage_viewport"))
        XCTAssertEqual(AppCore.nextWakeMs(c.state), t0 + 500)
        c.send(.tick(nowMs: t0 + 500))
        guard case .passageViewport(_, let offset, let line, let lines) = c.logged.last else { return XCTFail("\(c.lastLoggedTypes)") }
        XCTAssertEqual(offset, c.state.passage.topOffset)
        XCTAssertGreaterThan(line, 1)
        XCTAssertGreaterThan(lines, line)
        XCTAssertNil(c.state.viewportDirtySinceMs)
    }

    func testSearchIsLoggedAndNavigates() {
        var c = onFirstQuestion()
        c.key(.function(2))
        c.key(.char("/"))
        c.type("paragraph 3")
        XCTAssertEqual(c.state.passage.searchPrompt?.text, "paragraph 3")
        let effects = c.key(.enter)
        XCTAssertEqual(effects.first, .appendLog(.passageSearch(questionID: "q1", query: "paragraph 3", matches: 11)))
        XCTAssertEqual(c.state.passage.matches.count, 11)
        c.key(.char("n"))
        XCTAssertEqual(c.state.passage.currentMatch, 1)
        c.key(.char("N")); c.key(.char("N"))
        XCTAssertEqual(c.state.passage.currentMatch, 10)
        // Esc clears the search, through the log so a replay clears it too.
        XCTAssertEqual(c.key(.escape), [.appendLog(.passageSearch(questionID: "q1", query: "", matches: 0))])
        XCTAssertEqual(c.state.passage.query, "")
        XCTAssertEqual(c.state.passage.matches, [])
        XCTAssertEqual(c.key(.escape), [])
    }

    func testAppliedSearchIsTheSameAtEveryTerminalSize() {
        // A replay applies the logged search at whatever size the terminal has then: the
        // search (query, matches, current match) must not depend on it; only the scroll that
        // reveals the match does, and that is the screen's reaction, logged as its own record.
        var narrow = onFirstQuestion(size: Size(cols: 80, rows: 24))
        var wide = onFirstQuestion(size: Size(cols: 200, rows: 60))
        let search = SessionEvent.passageSearch(questionID: "q1", query: "paragraph 3", matches: 11)
        AppCore.apply(&narrow.state, search, monoMs: narrow.state.nowMs)
        AppCore.apply(&wide.state, search, monoMs: wide.state.nowMs)
        XCTAssertEqual(narrow.state.passage.matches.count, 11)
        XCTAssertEqual(narrow.state.passage.matches, wide.state.passage.matches)
        XCTAssertEqual(narrow.state.passage.currentMatch, wide.state.passage.currentMatch)
        XCTAssertEqual(narrow.state.passage.topOffset, 0)
        XCTAssertEqual(wide.state.passage.topOffset, 0)
        // The reaction scrolls the match into view and schedules the viewport record.
        XCTAssertEqual(AppCore.react(&narrow.state, applied: search), [])
        let g = AppCore.passageGeometry(narrow.state)
        let matchLine = PassageViewState.lineIndex(of: narrow.state.passage.matches[0].lowerBound, in: g?.lines ?? [])
        let top = narrow.state.passage.topLine(g?.lines ?? [], rows: g?.rows ?? 0)
        XCTAssertTrue(top <= matchLine && matchLine < top + (g?.rows ?? 0), "top \(top), match line \(matchLine)")
        XCTAssertNotNil(narrow.state.viewportDirtySinceMs)
    }

    func testUpdateLogsTheMessageAndTheReplyStartsFromTheAppliedState() {
        var c = onFirstQuestion()
        c.type("hello")
        var probe = c.state
        // update alone only decides what to log: no request yet.
        XCTAssertEqual(AppCore.update(&probe, .key(.enter)), [.appendLog(.chatSent(questionID: "q1", requestID: 1, text: "hello"))])
        // Once applied, the reaction starts the reply with the context apply left.
        AppCore.apply(&probe, .chatSent(questionID: "q1", requestID: 1, text: "hello"), monoMs: probe.nowMs)
        let reaction = AppCore.react(&probe, applied: .chatSent(questionID: "q1", requestID: 1, text: "hello"))
        XCTAssertEqual(reaction, [.startReply(requestID: 1, questionID: "q1",
                                              messages: (probe.conversation?.messages ?? []) + [ChatMessage(role: .user, content: "hello")])])
        // A chat_sent that is not the pending request (a stale record) starts nothing.
        XCTAssertEqual(AppCore.react(&probe, applied: .chatSent(questionID: "q1", requestID: 9, text: "x")), [])
    }

    func testResizeReflowsAndKeepsPassagePlace() {
        var c = onFirstQuestion(size: Size(cols: 160, rows: 48))
        c.key(.function(2))
        for _ in 0..<15 { c.key(.down) }
        let anchor = c.state.passage.topOffset
        XCTAssertGreaterThan(anchor, 0)
        XCTAssertEqual(c.key(.char("x")), [])
        let effects = c.send(.resize(Size(cols: 80, rows: 24)))
        XCTAssertEqual(effects, [.appendLog(.resized(cols: 80, rows: 24))])
        let frame = AppCore.render(c.state, size: Size(cols: 80, rows: 24))
        let top = frame.plainLines()[2]
        // The top line at the new width is the line holding the anchor.
        let g = AppCore.passageGeometry(c.state)
        let idx = PassageViewState.lineIndex(of: anchor, in: g?.lines ?? [])
        XCTAssertTrue(top.hasPrefix("┃" + (g?.lines[idx].text ?? "missing")), "\(frame.plainLines().joined(separator: "\n"))\n\(g?.lines[idx].text ?? "")")
    }

    func testTooSmallTerminalIgnoresAnswerKeysAndPausesTheTimer() {
        var c = onFirstQuestion()
        c.key(.function(3))
        XCTAssertNotNil(AppCore.nextWakeMs(c.state))
        XCTAssertEqual(c.send(.resize(Size(cols: 60, rows: 20))),
                       [.appendLog(.resized(cols: 60, rows: 20)), .appendLog(.timePaused(reason: "too_small"))])
        XCTAssertTrue(c.state.timePaused)
        XCTAssertNil(AppCore.nextWakeMs(c.state), "no timer is due while time is paused")
        XCTAssertEqual(c.key(.char("a")), [])
        let frame = AppCore.render(c.state, size: Size(cols: 60, rows: 20))
        XCTAssertTrue(frame.plainLines().joined().contains("Please enlarge the terminal to at least 80x24"))
        // Even a tick past the deadline submits nothing while paused.
        XCTAssertEqual(c.send(.tick(nowMs: c.state.deadlineMs ?? 0)), [])
        XCTAssertEqual(c.state.phase, .question)
        // A second small size changes nothing more; a large one resumes.
        XCTAssertEqual(c.send(.resize(Size(cols: 70, rows: 20))), [.appendLog(.resized(cols: 70, rows: 20))])
        XCTAssertEqual(c.send(.resize(Size(cols: 80, rows: 24))),
                       [.appendLog(.resized(cols: 80, rows: 24)), .appendLog(.timeResumed)])
        XCTAssertFalse(c.state.timePaused)
        c.send(.tick(nowMs: c.state.deadlineMs ?? 0))
        XCTAssertEqual(c.state.phase, .feedback)
    }

    func testNoPauseRecordedOnTheEndScreen() {
        var c = Core(study: Fixtures.study(feedback: false, qualityCount: 1, mmluCount: 1))
        c.key(.enter)
        for _ in 0..<2 {
            c.key(.function(3))
            c.type("a1")
            c.key(.enter)
        }
        XCTAssertEqual(c.state.phase, .finished)
        XCTAssertEqual(c.send(.resize(Size(cols: 60, rows: 20))), [.appendLog(.resized(cols: 60, rows: 20))])
        XCTAssertFalse(c.state.timePaused)
    }

    func testStartingTooSmallPausesFromTheFirstRecord() {
        let c = Core(size: Size(cols: 60, rows: 20))
        XCTAssertEqual(c.lastLoggedTypes, ["session_start", "resized", "time_paused", "instructions_shown"])
        XCTAssertTrue(c.state.timePaused)
    }

    func testWholeFlowEndsWithCompletionCode() {
        var c = Core(study: Fixtures.study(feedback: false))
        c.key(.enter)
        for _ in 0..<4 {
            c.key(.function(3))
            c.key(.char("c"))
            c.key(.char("2"))
            c.key(.enter)
        }
        XCTAssertEqual(c.state.phase, .finished)
        let code = Core.code
        XCTAssertEqual(c.logged.last, .sessionEnd(completionCode: code))
        XCTAssertEqual(c.key(.enter), [.quit(.finished(completionCode: code))])
        let subs = c.logged.compactMap { if case .submitted(let s) = $0 { return s } else { return nil } }
        XCTAssertEqual(subs.map(\.questionID), ["q1", "q2", "mmlu/college_physics/val/1", "mmlu/college_physics/val/2"])
        XCTAssertEqual(subs.map(\.correct), [false, false, true, true])
        XCTAssertEqual(subs.map(\.condition), [.assisted, .assisted, .unaided, .unaided])
    }
}

final class InstructionsTests: XCTestCase {
    func testInstructionsScrollIsClamped() {
        let long = (1...60).map { "Rule \($0): read the whole question before answering." }.joined(separator: "\n\n")
        var c = Core(study: Fixtures.study(instructions: long))
        c.key(.up)
        XCTAssertEqual(c.state.instructionsTop, 0)
        for _ in 0..<20 { c.key(.pageDown) }
        let maxTop = Screens.instructionsMaxTop(long, size: c.state.size)
        XCTAssertGreaterThan(maxTop, 0)
        XCTAssertEqual(c.state.instructionsTop, maxTop)
        let lines = AppCore.render(c.state, size: c.state.size).plainLines()
        XCTAssertTrue(lines.contains { $0.contains("Rule 60:") })
        c.key(.up)
        XCTAssertEqual(c.state.instructionsTop, maxTop - 1)
    }
}

final class ChatScrollTests: XCTestCase {
    func testChatScrollsBackAndClampsAndNewMessageFollowsTail() {
        var c = Core()
        c.key(.enter)
        for i in 1...6 {
            c.type("question \(i) with some words to make it wrap over a couple of lines in the pane")
            c.key(.enter)
            let id = c.state.pending?.requestID ?? -1
            c.send(.assistantChunk(requestID: id, .text("answer \(i) " + String(repeating: "word ", count: 30))))
            c.send(.assistantChunk(requestID: id, .done(AssistantUsage())))
        }
        c.key(.pageUp)
        XCTAssertGreaterThan(c.state.chat.scrollBack, 0)
        for _ in 0..<100 { c.key(.pageUp) }
        let top = c.state.chat.scrollBack
        let frame = AppCore.render(c.state, size: c.state.size).plainLines().joined(separator: "\n")
        XCTAssertTrue(frame.contains("question 1 with"), frame)
        c.key(.up)
        XCTAssertEqual(c.state.chat.scrollBack, top, "clamped at the oldest line")
        c.key(.down)
        XCTAssertEqual(c.state.chat.scrollBack, top - 1)
        c.type("new")
        c.key(.enter)
        XCTAssertEqual(c.state.chat.scrollBack, 0)
    }
}
