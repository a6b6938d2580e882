import OversightCore

/// Keys of the chat pane (the input is `ChatInputState.handle`), F5 and F6, and the replies
/// streaming into it.
extension AppCore {
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

    // MARK: - Replies

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
}
