import OversightCore

extension AppCore {
    /// How long the passage must rest before its position is logged.
    public static let viewportDebounceMs: Int64 = 500
    /// Interval of `heartbeat` records on a question (timed or not): a crash loses at most
    /// this much active time (plus a tick's delay).
    public static let heartbeatMs: Int64 = 1000
    /// Least interval between `assistant_progress` records of a streaming reply.
    public static let progressRecordMs: Int64 = 1000
    /// Frame interval of the "assistant is typing" animation.
    public static let typingFrameMs: Int64 = 400

    /// Handle one event: change presentation state directly and return the effects to run.
    /// Durable changes are returned as `.appendLog` effects and take effect only when the
    /// caller applies them (`AppCore.apply`), after writing them to the log; what follows from
    /// an applied record comes from `AppCore.react`, never from predicting `apply` here.
    public static func update(_ s: inout AppState, _ event: AppEvent) -> [Effect] {
        if s.quitting != nil { return [] }
        switch event {
        case .tick(let now):
            s.nowMs = max(s.nowMs, now)
            return tick(&s)
        case .resize(let size):
            guard size != s.size else { return [] }
            s.size = size
            return [.appendLog(.resized(cols: size.cols, rows: size.rows))] + pauseEffects(s)
        case .key(let key):
            return handleKey(&s, key)
        case .assistantChunk(let id, let chunk):
            if let effects = protocolChunk(&s, id, chunk) { return s.logFailure == nil ? effects : [] }
            return handleChunk(&s, id, chunk)
        case .assistantFailed(let id, let message):
            if let effects = protocolFailed(s, id, message: message) { return effects }
            guard let p = s.pending, p.requestID == id else { return [] }
            return [.appendLog(.assistantReply(reply(s, p, status: .failed, error: message)))]
        case .hangup:
            return quit(&s, .hangup)
        case .terminate(let sig):
            return quit(&s, .signal(sig))
        }
    }

    /// Events to log when a fresh session starts: `session_start`, the terminal size (as a
    /// `resized` record), then the instructions (or the first question when the study has none).
    public static func startEffects(_ s: AppState, sessionID: String) -> [Effect] {
        let c = s.context
        var start = SessionStart(
            studyID: c.study.id, studyHash: c.study.hash,
            questionsHash: c.resolved.questionsHash,
            seed: c.study.seed, appVersion: AppInfo.version, participant: c.participant, sessionID: sessionID,
            feedback: c.study.feedback, confidence: c.study.confidence,
            blocks: c.resolved.plans,
            assistantProvider: c.study.assistant.provider.rawValue, assistantModel: c.study.assistant.model)
        if let arm = c.study.arm {
            start.arm = arm.index + 1
            start.arms = arm.count
            start.blockOrder = arm.order.map { $0 + 1 }
            start.questionSets = arm.presentedSets.map { $0 + 1 }
        }
        var effects: [Effect] = [.appendLog(.sessionStart(start)),
                                 .appendLog(.resized(cols: s.size.cols, rows: s.size.rows))] + pauseEffects(s)
        if let text = c.study.instructions, !text.isEmpty {
            effects.append(.appendLog(.instructionsShown))
            effects += prepareAhead(s, after: nil, current: nil)
        } else {
            effects += showNext(s, after: nil)
        }
        return effects
    }

    /// Events to log when the app starts again on an unfinished log whose records have been
    /// applied: `session_resume`, the terminal size, a failed record for a reply cut off by the
    /// interruption, and the current screen shown again.
    public static func resumeEffects(_ s: AppState, downtimeMs: Int64) -> [Effect] {
        var effects: [Effect] = [.appendLog(.sessionResume(downtimeMs: max(0, downtimeMs))),
                                 .appendLog(.resized(cols: s.size.cols, rows: s.size.rows))] + pauseEffects(s)
        if let p = s.pending {
            // What was logged of it is what the participant had read: shown and kept as such.
            var r = reply(s, p, status: .interrupted, error: "The session was interrupted before the reply ended.")
            r.text = p.loggedText
            r.ttftMs = nil
            effects.append(.appendLog(.assistantReply(r)))
        }
        switch s.phase {
        case .starting:
            // Only session_start was written: start over at the instructions or first question.
            if let text = s.context.study.instructions, !text.isEmpty {
                effects.append(.appendLog(.instructionsShown))
                effects += prepareAhead(s, after: nil, current: nil)
            } else {
                effects += showNext(s, after: nil)
            }
        case .instructions:
            effects += prepareAhead(s, after: nil, current: nil)
        case .feedback:
            effects += prepareAhead(s, after: (s.block, s.index), current: s.condition == .assisted ? s.question : nil)
        case .finished:
            break
        case .question:
            effects += show(s, block: s.block, index: s.index)
            effects += protocolResumeEffects(s)
        case .submitted:
            effects += advanceAfterSubmission(s)
        }
        return effects
    }

    /// `time_paused` when the terminal is too small for the screen and time runs, `time_resumed`
    /// when it is large enough again and time is stopped; nothing otherwise. While the screen
    /// asks to be enlarged the participant sees no question, so no active time passes.
    public static func pauseEffects(_ s: AppState) -> [Effect] {
        // A finished session has no time left to count (and its log ends with session_end).
        if s.phase == .finished && !s.timePaused { return [] }
        let small = ScreenLayout.tooSmall(s.size)
        if small && !s.timePaused { return [.appendLog(.timePaused(reason: "too_small"))] }
        if !small && s.timePaused { return [.appendLog(.timeResumed)] }
        return []
    }

    /// When the driver must deliver the next tick (active-time ms), or nil when nothing is due.
    /// Nothing is due while active time is stopped.
    public static func nextWakeMs(_ s: AppState) -> Int64? {
        if s.quitting != nil || s.timePaused { return nil }
        var t: [Int64] = []
        let now = s.nowMs
        // After a log failure nothing more is written or submitted: only the display changes.
        let acting = s.logFailure == nil && s.phase == .question
        if s.phase == .question, let d = s.deadlineMs {
            let remaining = d - now
            if remaining <= 0 {
                if acting { t.append(now) }
            } else {
                let r = remaining % 1000
                t.append(now + (r == 0 ? 1000 : r))      // next change of the shown seconds
            }
        }
        if acting { t.append(max(now, s.lastRecordMs + heartbeatMs)) }
        if acting, let p = s.pending, p.streaming.text.utf8.count > p.loggedText.utf8.count {
            t.append(max(now, p.loggedMs + progressRecordMs))
        }
        if acting, let dirty = s.viewportDirtySinceMs { t.append(max(now, dirty + viewportDebounceMs)) }
        if s.pending != nil { t.append(now + typingFrameMs - now % typingFrameMs) }
        // The seconds a round of speeches has been waited for.
        if let r = s.protocolQuestion?.rounds.last, r.inFlight { t.append(now + 1000 - max(0, now - r.startedMs) % 1000) }
        return t.min()
    }

    // MARK: - Ticks

    static func tick(_ s: inout AppState) -> [Effect] {
        guard s.phase == .question, s.logFailure == nil, !s.timePaused else { return [] }
        if let d = s.deadlineMs, s.nowMs >= d {
            return submit(&s, timedOut: true)
        }
        var effects: [Effect] = []
        if let dirty = s.viewportDirtySinceMs, s.nowMs - dirty >= viewportDebounceMs {
            effects += flushViewport(&s)
        }
        effects += progressRecord(s)
        if effects.isEmpty, s.nowMs - s.lastRecordMs >= heartbeatMs {
            effects.append(.appendLog(.heartbeat))
        }
        return effects
    }

    /// An `assistant_progress` record of the reply text not yet logged, when one is due (at
    /// most one per `progressRecordMs`).
    static func progressRecord(_ s: AppState) -> [Effect] {
        guard let p = s.pending, s.nowMs - p.loggedMs >= progressRecordMs,
              p.streaming.text.utf8.count > p.loggedText.utf8.count,
              p.streaming.text.utf8.starts(with: p.loggedText.utf8) else { return [] }
        // Cut in bytes: a combining mark arriving after a logged letter stays in the next record.
        let delta = String(decoding: p.streaming.text.utf8.dropFirst(p.loggedText.utf8.count), as: UTF8.self)
        return [.appendLog(.assistantProgress(questionID: p.questionID, requestID: p.requestID, text: delta))]
    }

    static func flushViewport(_ s: inout AppState) -> [Effect] {
        guard s.viewportDirtySinceMs != nil, let q = s.question, let g = passageGeometry(s) else { return [] }
        s.viewportDirtySinceMs = nil
        let top = s.passage.topLine(g.lines, rows: g.rows)
        let offset = g.lines.indices.contains(top) ? g.lines[top].start : 0
        return [.appendLog(.passageViewport(questionID: q.id, offset: offset, line: top + 1, lines: g.lines.count))]
    }

    // MARK: - Keys

    static func handleKey(_ s: inout AppState, _ key: Key) -> [Effect] {
        // Quit confirmation takes every key: y quits, n/Esc goes back, anything else is ignored.
        if s.overlay == .quitConfirm {
            switch key {
            case .char("y"), .char("Y"):
                // After a log failure the reason says so, so the caller can report it.
                return quit(&s, s.logFailure.map { .logFailure($0) } ?? .user)
            case .char("n"), .char("N"), .escape, .ctrl("c"):
                s.overlay = nil
            default:
                break
            }
            return []
        }
        if key == .ctrl("c") {
            s.overlay = .quitConfirm
            return []
        }
        if s.overlay == .help {
            if key == .function(1) || key == .escape || key == .enter || key == .char("q") { s.overlay = nil }
            return []
        }
        if key == .function(1) {
            s.overlay = .help
            return []
        }
        if ScreenLayout.tooSmall(s.size) || s.logFailure != nil { return [] }
        switch s.phase {
        case .starting, .submitted:
            return []
        case .instructions:
            let maxTop = Screens.instructionsMaxTop(s.context.study.instructions, size: s.size)
            let page = max(1, s.size.rows - 7)
            switch key {
            case .enter: return showNext(s, after: nil)
            case .down, .char("j"): s.instructionsTop += 1
            case .up, .char("k"): s.instructionsTop -= 1
            case .pageDown, .char(" "): s.instructionsTop += page
            case .pageUp: s.instructionsTop -= page
            case .home: s.instructionsTop = 0
            case .end: s.instructionsTop = maxTop
            default: break
            }
            s.instructionsTop = max(0, min(s.instructionsTop, maxTop))
            return []
        case .feedback:
            return key == .enter ? nextQuestionOrEnd(s) : []
        case .finished:
            if key == .enter, let code = s.completionCode {
                s.quitting = .finished(completionCode: code)
                return [.quit(.finished(completionCode: code))]
            }
            return []
        case .question:
            return questionKey(&s, key)
        }
    }

    static func questionKey(_ s: inout AppState, _ key: Key) -> [Effect] {
        if let pq = s.protocolQuestion { return protocolKey(&s, key, pq) }
        // Keys that work in every pane.
        switch key {
        case .tab, .backTab:
            if s.passage.searchPrompt != nil && s.focus == .passage { s.passage.searchPrompt = nil }
            let panes = s.panes
            let i = panes.firstIndex(of: s.focus) ?? 0
            let next = panes[(i + (key == .tab ? 1 : panes.count - 1)) % panes.count]
            return focus(&s, next)
        case .function(2): return focus(&s, .passage)
        case .function(3): return focus(&s, .answer)
        case .function(4): return s.isAssisted ? focus(&s, .chat) : []
        case .function(5): return retry(&s)
        case .function(AppCore.zoomKey):
            // Presentation only: the passage keeps its place (an offset in the text), so
            // nothing durable changes and nothing is logged.
            s.zoomed.toggle()
            return []
        case .function(6): return insertQuestion(&s)
        default: break
        }
        switch s.focus {
        case .passage: return passageKey(&s, key)
        case .answer: return answerKey(&s, key)
        case .chat: return chatKey(&s, key)
        }
    }

    static func focus(_ s: inout AppState, _ pane: Pane) -> [Effect] {
        guard pane != s.focus, s.panes.contains(pane) else { return [] }
        return [.appendLog(.focusChanged(pane: pane))]
    }

    static func passageKey(_ s: inout AppState, _ key: Key) -> [Effect] {
        guard let q = s.question, let g = passageGeometry(s) else { return [] }
        if var prompt = s.passage.searchPrompt {
            switch key {
            case .escape:
                s.passage.searchPrompt = nil
                return []
            case .enter:
                s.passage.searchPrompt = nil
                let query = prompt.text.trimmingCharacters(in: .whitespaces)
                if query.isEmpty {
                    // An empty search clears the current one (logged as a search for "").
                    return s.passage.query.isEmpty ? [] : [.appendLog(.passageSearch(questionID: q.id, query: "", matches: 0))]
                }
                let n = PassageViewState.find(query, in: g.text).count
                return [.appendLog(.passageSearch(questionID: q.id, query: query, matches: n))]
            default:
                if prompt.handle(key) { s.passage.searchPrompt = prompt }
                return []
            }
        }
        // The pane takes no text here, so the answer keys work as in the answer pane.
        if case .char(let c) = key, let effects = choiceKey(&s, c, question: q) { return effects }
        let before = s.passage.topOffset
        let beforeLine = s.passage.topLine(g.lines, rows: g.rows)
        switch key {
        case .up, .char("k"): s.passage.scroll(by: -1, g.lines, rows: g.rows)
        case .down, .char("j"): s.passage.scroll(by: 1, g.lines, rows: g.rows)
        case .pageUp: s.passage.page(-1, g.lines, rows: g.rows)
        case .pageDown, .char(" "): s.passage.page(1, g.lines, rows: g.rows)
        case .home, .char("g"): s.passage.home()
        case .end, .char("G"): s.passage.end(g.lines, rows: g.rows)
        case .char("/"):
            s.passage.searchPrompt = ChatInputState()
            return []
        case .char("n"): s.passage.nextMatch(1, g.lines, rows: g.rows)
        case .char("N"): s.passage.nextMatch(-1, g.lines, rows: g.rows)
        case .escape:
            return s.passage.query.isEmpty ? [] : [.appendLog(.passageSearch(questionID: q.id, query: "", matches: 0))]
        default: return []
        }
        if s.passage.topOffset != before || s.passage.topLine(g.lines, rows: g.rows) != beforeLine {
            return markViewportDirty(&s)
        }
        return []
    }

    static func markViewportDirty(_ s: inout AppState) -> [Effect] {
        s.viewportDirtySinceMs = s.nowMs
        return []
    }

    static func answerKey(_ s: inout AppState, _ key: Key) -> [Effect] {
        guard let q = s.question else { return [] }
        switch key {
        case .char(let c):
            return choiceKey(&s, c, question: q) ?? []
        case .up, .down:
            let cur = s.answer.choice ?? (key == .up ? 4 : -1)
            let next = key == .up ? max(0, cur - 1) : min(3, cur + 1)
            s.notice = nil
            return next == s.answer.choice ? [] : [.appendLog(.optionChosen(questionID: q.id, option: next))]
        case .left, .right:
            let n = s.scale.count
            guard n > 0 else { return [] }
            let cur = s.answer.confidenceLevel ?? (key == .left ? n : -1)
            let next = key == .left ? max(0, cur - 1) : min(n - 1, cur + 1)
            s.notice = nil
            return next == s.answer.confidenceLevel ? []
                : [.appendLog(.confidenceChosen(questionID: q.id, level: next, value: s.scale[next]))]
        case .pageUp, .pageDown:
            // Only a question and options too long for the pane scroll (see `AnswerPane`).
            guard let layout = screenLayout(s) else { return [] }
            let inner = AnswerPane.content(layout.answer)
            let full = AnswerPane.fullRows(question: q, showQuestion: q.task == .quality, innerWidth: inner.width)
            let confidence = AnswerPane.confidenceRows(scale: s.scale, chosen: nil, width: max(8, inner.width))
            let window = max(1, inner.height - confidence.count)
            let step = max(1, window - 1) * (key == .pageUp ? -1 : 1)
            s.answerTop = max(0, min(s.answerTop + step, max(0, full.count - window)))
            return []
        case .enter:
            if let missing = s.answer.missing(levels: s.scale.count) {
                s.notice = missing
                return []
            }
            if s.awaitingInitialAnswer { return submitInitial(&s) }
            return submit(&s, timedOut: false)
        default:
            return []
        }
    }

    /// `a`-`d` choose an option and `1`-`5` (up to the scale's length) a confidence, in every
    /// pane that is not taking text. Nil when `c` is neither.
    static func choiceKey(_ s: inout AppState, _ c: Character, question q: Question) -> [Effect]? {
        if let i = ["a", "b", "c", "d"].firstIndex(of: c.lowercased()) {
            s.notice = nil
            return s.answer.choice == i ? [] : [.appendLog(.optionChosen(questionID: q.id, option: i))]
        }
        if c.isASCII, let d = c.wholeNumberValue, d >= 1, d <= s.scale.count {
            s.notice = nil
            let level = d - 1
            return s.answer.confidenceLevel == level ? []
                : [.appendLog(.confidenceChosen(questionID: q.id, level: level, value: s.scale[level]))]
        }
        return nil
    }

    static func chatKey(_ s: inout AppState, _ key: Key) -> [Effect] {
        guard let q = s.question, s.isAssisted else { return [] }
        switch key {
        case .enter:
            let text = s.input.text.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !text.isEmpty else { return [] }
            if s.pending != nil {
                s.chatNotice = "Wait for the reply to finish, or press Esc to cancel it."
                return []
            }
            s.chatNotice = nil
            s.input.clear()
            return send(s, text, question: q)
        case .escape:
            s.chatNotice = nil
            guard let p = s.pending else { return [] }
            return [.appendLog(.assistantReply(reply(s, p, status: .cancelled, error: nil))),
                    .cancelReply(requestID: p.requestID)]
        case .ctrl("r"):
            s.chatNotice = nil
            var effects: [Effect] = []
            if let p = s.pending {
                effects += [.appendLog(.assistantReply(reply(s, p, status: .cancelled, error: nil))),
                            .cancelReply(requestID: p.requestID)]
            }
            effects.append(.appendLog(.assistantReset(questionID: q.id)))
            return effects
        case .pageUp, .pageDown, .up, .down:
            // The line count (memoised per message) is only needed to clamp scrolling.
            let rows = chatRows(s)
            let total = s.chat.transcript(width: chatWidth(s), streaming: s.pending?.streaming, frame: 0,
                                          retryHint: canRetry(s)).count
            let step = (key == .pageUp || key == .pageDown) ? max(1, rows - 1) : 1
            let delta = (key == .pageUp || key == .up) ? step : -step
            s.chat.scroll(by: delta, totalLines: total, rows: rows)
        default:
            _ = s.input.handle(key)
        }
        return []
    }

    /// Log `text` as a new message; its reply starts once it is applied (`react`).
    static func send(_ s: AppState, _ text: String, question q: Question) -> [Effect] {
        [.appendLog(.chatSent(questionID: q.id, requestID: s.nextRequestID, text: text))]
    }

    /// The question and its options as one line of chat input: what F6 inserts.
    public static func questionForChat(_ q: Question) -> String {
        Conversation.questionBlock(q).split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }

    /// F6 (from any pane of an assisted question): put the question and its options into the chat
    /// input at the cursor, as text the participant can edit before sending, and move to the
    /// chat. Logged as `question_inserted`, so analyses can tell inserted text from typing.
    static func insertQuestion(_ s: inout AppState) -> [Effect] {
        guard s.isAssisted, s.logFailure == nil, let q = s.question else { return [] }
        let before = s.input.text.count
        var text = questionForChat(q)
        let typed = Array(s.input.text)
        if s.input.cursor > 0, s.input.cursor <= typed.count, !typed[s.input.cursor - 1].isWhitespace { text = " " + text }
        s.input.insert(text)
        let inserted = s.input.text.count - before
        s.chatNotice = nil
        guard inserted > 0 else { return focus(&s, .chat) }
        return [.appendLog(.questionInserted(questionID: q.id, chars: inserted))] + focus(&s, .chat)
    }

    /// True when F5 would send the last message again: on an assisted question whose last
    /// reply failed or was cancelled, with no reply streaming.
    public static func canRetry(_ s: AppState) -> Bool {
        guard s.phase == .question, s.isAssisted, s.pending == nil, s.logFailure == nil,
              let r = s.retry, let q = s.question else { return false }
        return r.questionID == q.id
    }

    /// F5: send the participant's last message again as a new request (a normal `chat_sent`).
    /// Does nothing (logs nothing) when there is nothing to retry or a reply is streaming.
    static func retry(_ s: inout AppState) -> [Effect] {
        guard canRetry(s), let r = s.retry, let q = s.question else { return [] }
        s.chatNotice = nil
        return send(s, r.userText, question: q)
    }

    static func chatRect(_ s: AppState) -> Rect? {
        screenLayout(s)?.chat
    }

    static func chatRows(_ s: AppState) -> Int {
        chatRect(s).map { ChatView.transcriptRows(input: s.input, rect: $0) } ?? 1
    }

    static func chatWidth(_ s: AppState) -> Int { chatRect(s).map { ChatView.content($0).width } ?? 40 }

    // MARK: - Assistant

    static func handleChunk(_ s: inout AppState, _ id: Int, _ chunk: AssistantChunk) -> [Effect] {
        guard var p = s.pending, p.requestID == id else { return [] }   // stale: dropped
        switch chunk {
        case .text(let t):
            if p.firstTextMs == nil, !t.isEmpty { p.firstTextMs = s.nowMs }
            p.streaming.text += t
            p.streaming.progress = nil
            s.pending = p
            return s.logFailure == nil ? progressRecord(s) : []
        case .progress(let m):
            p.streaming.progress = m
            s.pending = p
            return []
        case .done(let usage):
            var r = reply(s, p, status: .complete, error: nil)
            r.promptTokens = usage.promptTokens
            r.completionTokens = usage.completionTokens
            return [.appendLog(.assistantReply(r))]
        }
    }

    static func reply(_ s: AppState, _ p: PendingRequest, status: ReplyStatus, error: String?) -> AssistantReply {
        let a = s.context.study.assistant
        return AssistantReply(questionID: p.questionID, requestID: p.requestID, text: p.streaming.text, status: status,
                              error: error, provider: a.provider.rawValue, model: a.model,
                              ttftMs: p.firstTextMs.map { $0 - p.startedMs },
                              durationMs: max(0, s.nowMs - p.startedMs))
    }

    // MARK: - Flow

    static func submit(_ s: inout AppState, timedOut: Bool) -> [Effect] {
        guard let q = s.question, s.phase == .question else { return [] }
        var effects = flushViewport(&s) + closeOpenSpeeches(s, status: .cancelled, error: nil)
        if let p = s.pending {
            effects += [.appendLog(.assistantReply(reply(s, p, status: .cancelled, error: nil))),
                        .cancelReply(requestID: p.requestID)]
        }
        var elapsed = max(0, s.nowMs - s.questionStartMs)
        if timedOut, let limit = s.context.timeLimitMs(block: s.block) { elapsed = min(elapsed, limit) }
        let conf = s.answer.confidenceLevel.flatMap { s.scale.indices.contains($0) ? s.scale[$0] : nil }
        let sub = s.protocolQuestion != nil ? protocolSubmission(s, q, timedOut: timedOut, elapsedMs: elapsed) : Submission(block: s.block, index: s.index, questionID: q.id, task: q.task, subject: q.subject,
                             condition: s.condition, choice: s.answer.choice, confidence: conf, gold: q.gold,
                             correct: s.answer.choice == q.gold, timedOut: timedOut, elapsedMs: elapsed)
        s.notice = nil
        effects.append(.appendLog(.submitted(sub)))
        return effects   // what comes next follows from the applied submission (`react`)
    }

    static func advanceAfterSubmission(_ s: AppState) -> [Effect] {
        if s.context.study.feedback, let q = s.question {
            return [.appendLog(.feedbackShown(questionID: q.id))]
                + prepareAhead(s, after: (s.block, s.index), current: s.condition == .assisted ? q : nil)
        }
        return nextQuestionOrEnd(s)
    }

    static func nextQuestionOrEnd(_ s: AppState) -> [Effect] {
        showNext(s, after: (s.block, s.index))
    }

    /// Show the question after `position` (or the first), or end the session.
    static func showNext(_ s: AppState, after position: (Int, Int)?) -> [Effect] {
        let next = position.map { s.context.position(after: $0.0, $0.1) } ?? s.context.firstPosition
        guard let (b, i) = next else {
            return [.endSession]
        }
        return show(s, block: b, index: i)
    }

    static func show(_ s: AppState, block: Int, index: Int) -> [Effect] {
        guard let q = s.context.question(block: block, index: index) else { return [] }
        let cond = s.context.condition(block: block)
        var effects: [Effect] = [.appendLog(.questionShown(protocolShown(s, block: block, index: index, question: q)
            ?? QuestionShown(block: block, index: index, questionID: q.id, task: q.task, subject: q.subject,
                             condition: cond, timeLimitMs: s.context.timeLimitMs(block: block))))]
        if cond == .assisted {
            let a = s.context.study.assistant
            let conv = Conversation(question: q, systemPrompt: a.systemPrompt, sendQuestion: a.sendQuestion)
            effects.append(.prepareAssistant(questionID: q.id, messages: conv.messages))
        } else {
            // Nothing to chat about here: the server's cache is free for the next article.
            effects += prepareAhead(s, after: (block, index), current: nil)
        }
        return effects
    }

    /// Pre-reading of the question after `position` (or the first) as soon as it is drawn: an
    /// assisted QuALITY question whose article the server has not already read for `current`
    /// (the assisted question just answered).
    /// Used while the participant is on the instructions, the feedback screen or an unaided
    /// question, where no chat needs the article that is in the server's cache now.
    static func prepareAhead(_ s: AppState, after position: (Int, Int)?, current: Question?) -> [Effect] {
        let next = position.map { s.context.position(after: $0.0, $0.1) } ?? s.context.firstPosition
        guard let (b, i) = next, s.context.condition(block: b) == .assisted,
              let q = s.context.question(block: b, index: i), let passage = q.passage,
              current?.passage?.id != passage.id else { return [] }
        let a = s.context.study.assistant
        let conv = Conversation(question: q, systemPrompt: a.systemPrompt, sendQuestion: a.sendQuestion)
        return [.prepareAssistant(questionID: q.id, messages: conv.messages)]
    }

    static func quit(_ s: inout AppState, _ reason: QuitReason) -> [Effect] {
        s.quitting = reason
        s.overlay = nil
        var effects: [Effect] = []
        // A finished session's log ends with session_end; leaving the end screen adds nothing.
        if s.logFailure == nil && s.phase != .finished {
            effects += flushViewport(&s) + closeOpenSpeeches(s, status: .cancelled, error: nil)
            if let p = s.pending {
                effects += [.appendLog(.assistantReply(reply(s, p, status: .cancelled, error: nil))),
                            .cancelReply(requestID: p.requestID)]
            }
            effects.append(.appendLog(.quit(reason: reason.logReason)))
        }
        effects.append(.quit(reason))
        return effects
    }
}
