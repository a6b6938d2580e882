import OversightCore

/// Presentation state of the judge on a consultancy or debate question: the judgment being
/// edited, the speeches streaming in (not shown until their round is complete), the scroll of the
/// speech pane. Nothing here is durable: a resume starts the draft from the last logged judgment.
public struct JudgeUI: Sendable, Equatable {
    /// The judgment being edited.
    public var draft = JudgmentState(shown: [0, 1])
    /// Text received so far per open request.
    public var streams: [Int: String] = [:]
    /// When each open request's first text arrived.
    public var firstTextMs: [Int: Int64] = [:]
    /// First shown row of the speeches.
    public var speechTop = 0
    /// The round on view (1-based); nil: the latest heard.
    public var viewRound: Int?

    public init() {}
}

extension AppCore {
    /// The settings of a protocol block (the block's own, or the condition's defaults).
    static func protocolSettings(_ s: AppState, block: Int) -> ProtocolSettings? {
        let cond = s.context.condition(block: block)
        guard cond.isProtocol else { return nil }
        let blocks = s.context.study.blocks
        return (blocks.indices.contains(block) ? blocks[block].protocolSettings : nil) ?? ProtocolSettings.defaults(for: cond)
    }

    /// `question_shown` of a consultancy or debate question: with its seeded draw of the options
    /// shown and the roles.
    static func protocolShown(_ s: AppState, block: Int, index: Int, question q: Question) -> QuestionShown? {
        let cond = s.context.condition(block: block)
        guard let settings = protocolSettings(s, block: block) else { return nil }
        let draw = ProtocolDraw.draw(condition: cond, settings: settings, question: q, seed: s.context.study.seed,
                                     participant: s.context.participant)
        return QuestionShown(block: block, index: index, questionID: q.id, task: q.task, subject: q.subject,
                             condition: cond, timeLimitMs: s.context.timeLimitMs(block: block),
                             optionsShown: draw.optionsShown, roles: draw.roles)
    }

    /// Panes of a protocol question in Tab order: the passage (when the judge may read it), the
    /// judgment, the speeches.
    static func protocolPanes(_ pq: ProtocolQuestion) -> [Pane] {
        pq.settings.showPassage ? [.passage, .answer, .chat] : [.answer, .chat]
    }

    // MARK: - Keys

    static func protocolKey(_ s: inout AppState, _ key: Key, _ pq: ProtocolQuestion) -> [Effect] {
        guard let q = s.question else { return [] }
        switch key {
        case .tab, .backTab:
            if s.passage.searchPrompt != nil && s.focus == .passage { s.passage.searchPrompt = nil }
            let panes = protocolPanes(pq)
            let i = panes.firstIndex(of: s.focus) ?? 0
            return focus(&s, panes[(i + (key == .tab ? 1 : panes.count - 1)) % panes.count])
        case .function(2): return focus(&s, .passage)
        case .function(3): return focus(&s, .answer)
        case .function(4): return focus(&s, .chat)
        case .function(5): return repeatRound(&s, pq)
        case .function(AppCore.zoomKey):
            s.zoomed.toggle()
            return []
        case .function(8): return jumpToQuote(&s, pq)
        default: break
        }
        switch s.focus {
        case .passage:
            if s.passage.searchPrompt == nil, case .char(let c) = key {
                if c == "q" { return jumpToQuote(&s, pq) }
                // The judgment is set in its own pane: option and confidence keys do nothing here.
                if "abcd12345".contains(c) { return [] }
            }
            return passageKey(&s, key)
        case .answer: return judgmentKey(&s, key, pq, question: q)
        case .chat: return speechKey(&s, key, pq, question: q)
        }
    }

    static func judgmentKey(_ s: inout AppState, _ key: Key, _ pq: ProtocolQuestion, question q: Question) -> [Effect] {
        if s.judge.draft.handle(key) {
            s.notice = nil
            return []
        }
        switch (key, pq.stage) {
        case (.enter, .prior):
            return startRound(&s, pq, question: q, remark: "", judgment: true)
        case (.enter, .judging) where !pq.canContinue:
            return endQuestion(&s, pq, question: q)
        case (.enter, .judging):
            s.notice = "Press n for another round (a remark goes in the speeches pane) or e to end."
        case (.char("n"), .judging), (.char("N"), .judging):
            return nextRound(&s, pq, question: q)
        case (.char("e"), .judging), (.char("E"), .judging):
            return endQuestion(&s, pq, question: q)
        case (.enter, .speaking), (.char("n"), .speaking), (.char("e"), .speaking):
            s.notice = "Wait for the round's speeches."
        case (.enter, .broken), (.char("n"), .broken), (.char("e"), .broken):
            s.notice = "A speech failed: press F5 to ask for the round again."
        case (.pageUp, _), (.pageDown, _):
            scrollSpeeches(&s, key == .pageUp ? -1 : 1, page: true, pq)
        default:
            break
        }
        return []
    }

    static func speechKey(_ s: inout AppState, _ key: Key, _ pq: ProtocolQuestion, question q: Question) -> [Effect] {
        switch key {
        case .enter:
            if pq.stage == .judging, pq.canContinue { return nextRound(&s, pq, question: q) }
            s.chatNotice = pq.stage == .judging ? "No more rounds: end in the judgment pane (e)."
                : pq.stage == .prior ? "State your prior first (judgment pane, Enter)."
                : "Wait for the round's speeches."
            return []
        case .pageUp, .pageDown, .up, .down:
            let page = key == .pageUp || key == .pageDown
            scrollSpeeches(&s, key == .pageUp || key == .up ? -1 : 1, page: page, pq)
            return []
        case .ctrl("p"), .ctrl("n"):
            let heard = pq.rounds.filter(\.isComplete).map(\.number)
            guard let last = heard.last else { return [] }
            let cur = s.judge.viewRound ?? last
            let next = max(heard.first ?? 1, min(last, cur + (key == .ctrl("p") ? -1 : 1)))
            s.judge.viewRound = next == last ? nil : next
            s.judge.speechTop = 0
            return []
        default:
            s.chatNotice = nil
            _ = s.input.handle(key)
            return []
        }
    }

    /// Scroll the speeches on view together by a line or a page (the visible rows less one,
    /// as in the passage), no further than the longest one needs.
    static func scrollSpeeches(_ s: inout AppState, _ direction: Int, page: Bool, _ pq: ProtocolQuestion) {
        guard let rect = screenLayout(s)?.chat else { return }
        let list = speechesOnView(s, pq).speeches
        let rects = SpeechView.rects(count: list.count, rect: speechArea(rect))
        let maxTop = zip(list, rects).map { SpeechView.rowCount($0, rect: $1) - AnswerPane.content($1).height }.max() ?? 0
        let visible = rects.map { AnswerPane.content($0).height }.min() ?? 1
        let delta = direction * (page ? max(1, visible - 1) : 1)
        s.judge.speechTop = max(0, min(max(0, maxTop), s.judge.speechTop + delta))
    }

    /// F8 (or `q` in the passage): highlight the next verified quote of the speeches heard and
    /// scroll the passage to it. Only when the judge may read the passage.
    static func jumpToQuote(_ s: inout AppState, _ pq: ProtocolQuestion) -> [Effect] {
        guard pq.settings.showPassage else { return [] }
        var effects: [Effect] = []
        if s.focus != .passage { effects += focus(&s, .passage) }
        // The jump uses the passage geometry that holds once the focus has moved.
        var moved = s
        moved.focus = .passage
        guard let g = passageGeometry(moved) else { return effects }
        let ranges = verifiedQuoteRanges(pq, passageLength: g.text.unicodeScalars.count)
        guard s.passage.nextQuote(ranges, g.lines, rows: g.rows) else {
            s.notice = "No verified quote yet."
            return effects
        }
        return effects + markViewportDirty(&s)
    }

    /// Passage ranges of the verified quotes of the rounds heard.
    static func verifiedQuoteRanges(_ pq: ProtocolQuestion, passageLength: Int) -> [Range<Int>] {
        pq.rounds.filter(\.isComplete).flatMap { r in
            r.requestIDs.compactMap { r.replies[$0] }.flatMap { $0.quotes ?? [] }
        }.compactMap { quote in
            guard quote.verified, let start = quote.start, start < passageLength else { return nil }
            return start..<min(passageLength, start + max(1, quote.text.unicodeScalars.count))
        }
    }

    // MARK: - Rounds

    /// Log the judgment being edited (for the round just heard, or the prior), then start the
    /// next round with `remark`: `round_started` and one request per role, all at once.
    static func startRound(_ s: inout AppState, _ pq: ProtocolQuestion, question q: Question, remark: String,
                           judgment: Bool) -> [Effect] {
        var effects: [Effect] = []
        if judgment {
            effects.append(.appendLog(.judgment(Judgment(questionID: q.id, round: pq.roundsHeard,
                                                         probabilities: s.judge.draft.probabilities))))
        }
        s.notice = nil
        return effects + roundEffects(s, pq, question: q, number: pq.roundsHeard + 1, remark: remark)
    }

    /// `round_started` for round `number`, its requests numbered from `firstID` (default: the
    /// next request id). The requests themselves start once it is applied (`roundRequests`).
    static func roundEffects(_ s: AppState, _ pq: ProtocolQuestion, question q: Question, number: Int,
                             remark: String, firstID: Int? = nil) -> [Effect] {
        let first = firstID ?? s.nextRequestID
        let ids = pq.condition.roles.indices.map { first + $0 }
        return [.appendLog(.roundStarted(RoundStarted(questionID: q.id, round: number, remark: remark, requestIDs: ids)))]
    }

    /// The reaction to an applied `round_started`: one request per role, from the transcript of
    /// the rounds before it and its remark (in parallel: the runtime runs each `startReply` as
    /// its own task).
    static func roundRequests(_ s: AppState, _ started: RoundStarted) -> [Effect] {
        guard let pq = s.protocolQuestion, let q = s.question, q.id == started.questionID else { return [] }
        var transcript = pq.transcript()
        transcript.rounds = Array(transcript.rounds.prefix(started.round - 1))
        transcript.rounds.append(ProtocolTranscript.Round(remark: started.remark))
        return zip(pq.condition.roles, started.requestIDs).map { role, id in
            let messages = ProtocolPrompt.speechMessages(
                role: role, round: started.round, question: q, shown: pq.shown, roles: pq.roles, passage: q.passage?.text,
                settings: pq.settings, instructions: s.context.study.roleInstructions, transcript: transcript)
            return .startReply(requestID: id, questionID: q.id, messages: messages)
        }
    }

    static func nextRound(_ s: inout AppState, _ pq: ProtocolQuestion, question q: Question) -> [Effect] {
        guard pq.canContinue else { return [] }
        let remark = s.input.text.trimmingCharacters(in: .whitespacesAndNewlines)
        s.input.clear()
        s.chatNotice = nil
        return startRound(&s, pq, question: q, remark: remark, judgment: true)
    }

    /// F5 after a failed speech: ask for the same round again (same remark, new requests).
    static func repeatRound(_ s: inout AppState, _ pq: ProtocolQuestion) -> [Effect] {
        guard pq.stage == .broken, let last = pq.rounds.last, let q = s.question, s.logFailure == nil else { return [] }
        s.notice = nil
        s.chatNotice = nil
        return roundEffects(s, pq, question: q, number: last.number, remark: last.remark)
    }

    /// End the question: the final judgment is logged and submitted; a tie must be broken first.
    static func endQuestion(_ s: inout AppState, _ pq: ProtocolQuestion, question q: Question) -> [Effect] {
        guard pq.canEnd else {
            s.notice = "Hear at least \(pq.settings.minRounds) round\(pq.settings.minRounds == 1 ? "" : "s") first: press n."
            return []
        }
        if let problem = s.judge.draft.finalProblem {
            s.notice = problem
            return []
        }
        return [.appendLog(.judgment(Judgment(questionID: q.id, round: pq.roundsHeard,
                                              probabilities: s.judge.draft.probabilities)))]
            + submit(&s, timedOut: false)
    }

    /// The submission of a protocol question: the answer and the probabilities of the judgment
    /// being edited (the final one, or the current one when time ran out).
    static func protocolSubmission(_ s: AppState, _ q: Question, timedOut: Bool, elapsedMs: Int64) -> Submission {
        let choice = s.judge.draft.answer
        return Submission(block: s.block, index: s.index, questionID: q.id, task: q.task, subject: q.subject,
                          condition: s.condition, choice: choice, confidence: nil, gold: q.gold,
                          correct: choice == q.gold, timedOut: timedOut, elapsedMs: elapsedMs,
                          probabilities: s.judge.draft.probabilities)
    }

    // MARK: - Speeches

    /// A chunk of a speech (nil when `id` is no open speech of this question: the chat handles it).
    static func protocolChunk(_ s: inout AppState, _ id: Int, _ chunk: AssistantChunk) -> [Effect]? {
        guard let pq = s.protocolQuestion, let open = pq.open(request: id) else { return nil }
        switch chunk {
        case .text(let t):
            if s.judge.firstTextMs[id] == nil, !t.isEmpty { s.judge.firstTextMs[id] = s.nowMs }
            s.judge.streams[id, default: ""] += t
            return []
        case .progress:
            return []
        case .done(let usage):
            var r = speechReply(s, pq, id: id, round: open.round, role: open.role, status: .complete, error: nil)
            r.promptTokens = usage.promptTokens
            r.completionTokens = usage.completionTokens
            return [.appendLog(.assistantReply(r))]
        }
    }

    /// A failed speech (nil when `id` is no open speech of this question).
    static func protocolFailed(_ s: AppState, _ id: Int, message: String) -> [Effect]? {
        guard let pq = s.protocolQuestion, let open = pq.open(request: id) else { return nil }
        return [.appendLog(.assistantReply(speechReply(s, pq, id: id, round: open.round, role: open.role,
                                                       status: .failed, error: message)))]
    }

    /// The record of a speech that ended: its text as shown (cut at `max_chars`, with `cut`
    /// set, when longer), and its quotes checked against the passage.
    static func speechReply(_ s: AppState, _ pq: ProtocolQuestion, id: Int, round: Int, role: ProtocolRole,
                            status: ReplyStatus, error: String?) -> AssistantReply {
        let a = s.context.study.assistant
        let raw = s.judge.streams[id] ?? ""
        let passage = s.question?.passage.map { NormalizedPassage($0.text) }
        let checked = QuoteVerifier.check(speech: raw, passage: passage, maxChars: pq.settings.maxChars,
                                          maxQuoteChars: pq.settings.maxQuoteChars)
        let started = pq.rounds.last?.startedMs ?? s.nowMs
        return AssistantReply(questionID: pq.questionID, requestID: id, text: checked.text, status: status, error: error,
                              provider: a.provider.rawValue, model: a.model,
                              ttftMs: s.judge.firstTextMs[id].map { $0 - started },
                              durationMs: max(0, s.nowMs - started), role: role, round: round,
                              quotes: checked.quotes, cut: checked.cut)
    }

    /// Records for speeches still open when the question ends or the session stops: each
    /// `status` (cancelled, interrupted), and their requests stopped.
    static func closeOpenSpeeches(_ s: AppState, status: ReplyStatus, error: String?) -> [Effect] {
        guard let pq = s.protocolQuestion, let last = pq.rounds.last else { return [] }
        return last.requestIDs.compactMap { id -> [Effect]? in
            guard let open = pq.open(request: id) else { return nil }
            var r = speechReply(s, pq, id: id, round: open.round, role: open.role, status: status, error: error)
            if status == .interrupted { r.text = "" }
            return [.appendLog(.assistantReply(r)), .cancelReply(requestID: id)]
        }.flatMap { $0 }
    }

    /// On resume: speeches cut off by the interruption are logged as such and their round is
    /// asked for again (also a round stopped by quitting, or one whose speech failed); a prior
    /// logged without its first round gets it.
    static func protocolResumeEffects(_ s: AppState) -> [Effect] {
        guard s.phase == .question, let pq = s.protocolQuestion, let q = s.question else { return [] }
        if !pq.judgments.isEmpty, pq.rounds.isEmpty {
            return roundEffects(s, pq, question: q, number: 1, remark: "")
        }
        guard let last = pq.rounds.last, last.inFlight || last.isBroken else { return [] }
        var effects: [Effect] = []
        for id in last.requestIDs {
            guard let open = pq.open(request: id) else { continue }
            var r = speechReply(s, pq, id: id, round: open.round, role: open.role, status: .interrupted,
                                error: "The session was interrupted before the speech ended.")
            r.text = ""
            r.ttftMs = nil
            effects.append(.appendLog(.assistantReply(r)))
        }
        let firstID = max(s.nextRequestID, (last.requestIDs.max() ?? 0) + 1)
        return effects + roundEffects(s, pq, question: q, number: last.number, remark: last.remark, firstID: firstID)
    }

    /// What request `id` asks of its role, once its `round_started` is applied (nil for chat
    /// requests): the runtime passes it with the messages.
    public static func speechRequest(_ s: AppState, id: Int) -> ProtocolSpeechRequest? {
        guard let pq = s.protocolQuestion, let open = pq.open(request: id), let option = pq.option(of: open.role),
              let q = s.question, let round = pq.rounds.last else { return nil }
        return ProtocolSpeechRequest(role: open.role, round: open.round, option: option, honest: option == q.gold,
                                     shown: pq.shown, remark: round.remark, settings: pq.settings)
    }

    /// The judge's score of a submission: `log2(p_correct) - 0.05 x rounds beyond the first`.
    public static func judgeScore(_ sub: Submission, rounds: Int) -> Double? {
        guard let p = sub.probabilities, p.indices.contains(sub.gold) else { return nil }
        return JudgmentScale.score(pCorrect: p[sub.gold], rounds: rounds)
    }
}
