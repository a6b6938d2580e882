import OversightCore

/// The pure core of the participant screen: `update` turns an event into state changes and
/// effects, `apply` applies a logged event, `render` draws a frame.
///
/// Data flow (no terminal, no clock, no I/O in here):
///
///     AppEvent ──update──▶ [Effect]           presentation state changed directly
///                            │ .appendLog(e) ──▶ written to the log by the caller, then
///                            │                   apply(e) changes durable state, then
///                            │                   react(e) returns what follows from it
///                            │                   (more effects, run in turn)
///                            │ .startReply / .cancelReply / .prepareAssistant / .quit
///                            ▼                   run by the caller (SessionRuntime)
///     AppState ──render──▶ CellGrid
///
/// Because durable state changes only in `apply`, replaying a log's records through `apply`
/// rebuilds the session (resume), and tests can compare a live state with its replay.
/// Time enters only as `.tick(nowMs:)` (active session time); deadlines are stored and the
/// remaining time is derived from them.
public enum AppCore {
    /// Apply one logged event to the state. This is the only place durable state changes, and
    /// it runs both live (right after the record is written) and when a log is replayed.
    public static func apply(_ s: inout AppState, _ event: SessionEvent, monoMs: Int64) {
        s.lastRecordMs = max(s.lastRecordMs, monoMs)
        s.nowMs = max(s.nowMs, monoMs)
        switch event {
        case .sessionStart(let start):
            s.sessionID = start.sessionID
        case .sessionResume:
            break
        case .instructionsShown:
            s.phase = .instructions
            s.instructionsTop = 0
        case .questionShown(let shown):
            let same = s.block == shown.block && s.index == shown.index
                && (s.phase == .question) && s.question?.id == shown.questionID
            guard !same else { break }   // shown again after a resume: keep everything
            s.phase = .question
            s.block = shown.block
            s.index = shown.index
            s.answer = AnswerState()
            s.answerTop = 0
            s.zoomed = false
            s.chat = ChatViewState()
            s.passage = PassageViewState()
            s.input.clear()
            s.notice = nil
            s.chatNotice = nil
            s.pending = nil
            s.retry = nil
            s.viewportDirtySinceMs = nil
            s.questionStartMs = monoMs
            s.deadlineMs = shown.timeLimitMs.map { monoMs + $0 }
            s.resets = 0
            s.initialAnswer = nil
            s.protocolQuestion = nil
            s.judge = JudgeUI()
            if shown.condition.isProtocol, let pq = protocolQuestion(s, shown) {
                s.protocolQuestion = pq
                s.judge.draft = pq.draft()
                s.conversation = nil
                s.focus = .answer
            } else if let q = s.question, shown.condition == .assisted {
                let a = s.context.study.assistant
                s.conversation = Conversation(question: q, systemPrompt: a.systemPrompt, sendQuestion: a.sendQuestion)
                // A two-stage question opens on the answer pane: the chat waits for the initial answer.
                s.focus = s.awaitingInitialAnswer ? .answer : .chat
            } else {
                s.conversation = nil
                s.focus = .answer
            }
        case .optionChosen(_, let option):
            s.answer.choose(option)
        case .confidenceChosen(_, let level, _):
            s.answer.setConfidence(level, levels: s.scale.count)
        case .focusChanged(let pane):
            s.focus = pane
        case .resized:
            break
        case .passageViewport(_, let offset, _, _):
            s.passage.topOffset = max(0, offset)
            s.viewportDirtySinceMs = nil
        case .passageSearch(_, let query, _):
            if let q = s.question {
                s.passage.search(query, in: paneText(q))
            } else {
                s.passage.query = query
            }
        case .chatSent(let qid, let requestID, let text):
            // Sending again the message whose reply failed or was cancelled (F5, or the same
            // text typed again) replaces that exchange: the model sees the message once.
            removeRetriedExchange(&s.conversation, retry: s.retry, questionID: qid, text: text)
            s.retry = nil
            s.chat.entries.append(.user(text))
            s.chat.scrollBack = 0
            s.pending = PendingRequest(requestID: requestID, questionID: qid, userText: text, startedMs: monoMs,
                                       firstTextMs: nil, streaming: StreamingReply(requestID: requestID),
                                       loggedMs: monoMs)
            s.nextRequestID = max(s.nextRequestID, requestID + 1)
        case .assistantReply(let r) where r.role != nil:
            applySpeech(&s, r)
        case .assistantReply(let r):
            s.chat.entries.append(.assistant(text: r.text, status: r.status, error: r.error))
            s.chat.scrollBack = 0
            // The model's context holds whole exchanges only: a reply that ended with no text
            // leaves no trace in it; a cancelled or failed one keeps the part that was shown.
            if let p = s.pending, p.requestID == r.requestID, !r.text.isEmpty {
                s.conversation?.appendUser(p.userText)
                s.conversation?.appendAssistant(r.text)
            }
            if let p = s.pending, p.requestID == r.requestID {
                s.retry = r.status == .complete ? nil
                    : RetryableRequest(requestID: r.requestID, questionID: p.questionID, userText: p.userText,
                                       partialText: r.text)
                s.pending = nil
            }
            s.nextRequestID = max(s.nextRequestID, r.requestID + 1)
        case .assistantProgress(_, let requestID, let text):
            guard var p = s.pending, p.requestID == requestID else { break }
            p.loggedText += text
            p.loggedMs = monoMs
            // Live, the streamed text already holds it; in a replay this is all there is.
            if !p.streaming.text.utf8.starts(with: p.loggedText.utf8) {
                p.streaming.text = p.loggedText
                p.streaming.progress = nil
            }
            s.pending = p
        case .assistantReset:
            s.conversation?.reset()
            s.chat.entries.append(.resetDivider)
            s.chat.scrollBack = 0
            s.resets += 1
            s.retry = nil
        case .heartbeat, .questionInserted:
            break
        case .roundStarted(let started):
            applyRound(&s, started, monoMs: monoMs)
        case .judgment(let j):
            applyJudgment(&s, j)
        case .timePaused:
            s.timePaused = true
        case .timeResumed:
            s.timePaused = false
        case .initialSubmitted(let initial):
            applyInitialAnswer(&s, initial)
        case .submitted(let sub):
            s.lastSubmission = sub
            s.phase = .submitted
            s.pending = nil
            s.retry = nil
            s.deadlineMs = nil
            s.overlay = nil
        case .feedbackShown:
            s.phase = .feedback
        case .quit:
            break
        case .logChanged(let detail):
            s.logChanged = detail
        case .sessionEnd(let code):
            s.phase = .finished
            s.completionCode = code
            s.deadlineMs = nil
        }
    }

    /// Drop from `conversation` the exchange of a failed or cancelled reply when `text` is that
    /// exchange's message sent again (a retry), so the model gets one copy of it.
    static func removeRetriedExchange(_ conversation: inout Conversation?, retry: RetryableRequest?,
                                      questionID: String, text: String) {
        guard let r = retry, r.questionID == questionID, r.userText == text, !r.partialText.isEmpty else { return }
        conversation?.removeLastExchange(user: text, assistant: r.partialText)
    }
}

extension Conversation {
    /// Remove the last two turns when they are the user turn `user` followed by the assistant
    /// turn `assistant`; anything else is left as it is. True when they were removed.
    @discardableResult
    mutating func removeLastExchange(user: String, assistant: String) -> Bool {
        let m = messages
        guard m.count >= 2, m[m.count - 2] == ChatMessage(role: .user, content: user),
              m[m.count - 1] == ChatMessage(role: .assistant, content: assistant) else { return false }
        var rebuilt = self
        rebuilt.reset()   // back to the turns that survive a reset (they open `messages`)
        let start = rebuilt.messages.count
        guard start <= m.count - 2, Array(m[0..<start]) == rebuilt.messages else { return false }
        for turn in m[start..<(m.count - 2)] {
            switch turn.role {
            case .user: rebuilt.appendUser(turn.content)
            case .assistant: rebuilt.appendAssistant(turn.content)
            case .system: return false
            }
        }
        self = rebuilt
        return true
    }
}
