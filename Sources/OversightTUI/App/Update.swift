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
