import OversightCore

/// One round of a consultancy or debate question as logged: the judge's remark that opened it,
/// the requests of its speeches and their replies.
public struct ProtocolRoundState: Sendable, Equatable {
    /// 1-based.
    public var number: Int
    public var remark: String
    /// Request ids of the round's speeches, in role order.
    public var requestIDs: [Int]
    /// The role of each request (same order as `requestIDs`).
    public var roles: [ProtocolRole]
    /// Active time at which the round started (the requests' start).
    public var startedMs: Int64
    /// Replies that ended, by request id.
    public var replies: [Int: AssistantReply] = [:]

    /// Every speech of the round ended complete.
    public var isComplete: Bool { requestIDs.allSatisfy { replies[$0]?.status == .complete } }
    /// Every speech ended, but at least one did not complete (failed, cancelled, interrupted).
    public var isBroken: Bool { requestIDs.allSatisfy { replies[$0] != nil } && !isComplete }
    /// A speech has not ended yet.
    public var inFlight: Bool { requestIDs.contains { replies[$0] == nil } }

    /// The role of request `id`, when it is one of this round's.
    public func role(of id: Int) -> ProtocolRole? {
        requestIDs.firstIndex(of: id).flatMap { roles.indices.contains($0) ? roles[$0] : nil }
    }
}

/// Where a consultancy or debate question stands.
public enum ProtocolStage: Sendable, Equatable {
    /// The prior: the judgment before any speech.
    case prior
    /// The round's speeches are being written.
    case speaking
    /// A speech of the round failed: F5 asks for the round again.
    case broken
    /// The round's speeches are in: the judge may write a remark, update the judgment, and ask
    /// for another round or end.
    case judging
}

/// The durable state of the consultancy or debate question on screen, rebuilt by replaying the
/// log (`question_shown` with its draw, `judgment`, `round_started`, `assistant_reply`).
public struct ProtocolQuestion: Sendable, Equatable {
    public var questionID: String
    public var condition: Condition
    public var settings: ProtocolSettings
    /// Original option indices in screen order.
    public var shown: [Int]
    /// Which option each role defends (never shown to the participant).
    public var roles: [RoleAssignment]
    /// Rounds started, in order (a round asked for again replaces the broken one).
    public var rounds: [ProtocolRoundState] = []
    /// Judgments logged on this question, in order.
    public var judgments: [Judgment] = []

    public init(questionID: String, condition: Condition, settings: ProtocolSettings, shown: [Int],
                roles: [RoleAssignment]) {
        self.questionID = questionID
        self.condition = condition
        self.settings = settings
        self.shown = shown
        self.roles = roles
    }

    public var stage: ProtocolStage {
        guard !judgments.isEmpty, let last = rounds.last else { return judgments.isEmpty ? .prior : .speaking }
        if last.inFlight { return .speaking }
        if last.isBroken { return .broken }
        return .judging
    }

    /// Rounds whose speeches all came in.
    public var roundsHeard: Int { rounds.filter(\.isComplete).count }

    /// True when the judge may end now (`min_rounds` heard).
    public var canEnd: Bool { stage == .judging && roundsHeard >= settings.minRounds }
    /// True when the judge may ask for another round (fewer than `max_rounds` heard).
    public var canContinue: Bool { stage == .judging && rounds.count < settings.maxRounds }

    /// The option a role defends.
    public func option(of role: ProtocolRole) -> Int? { roles.first { $0.role == role }?.option }

    /// The screen label ("A", "B", ...) of the option a role defends.
    public func stanceLabel(of role: ProtocolRole) -> String {
        option(of: role).flatMap { o in shown.firstIndex(of: o).map { ProtocolDraw.label(position: $0) } } ?? "?"
    }

    /// The round and role of a request that has not ended yet.
    public func open(request id: Int) -> (round: Int, role: ProtocolRole)? {
        guard let r = rounds.last, r.replies[id] == nil, let role = r.role(of: id) else { return nil }
        return (r.number, role)
    }

    /// What was said so far, as the prompt builder reads it (cut speeches as shown), with the
    /// remark that opens round `next` when it is a new round.
    public func transcript(nextRemark: String? = nil) -> ProtocolTranscript {
        var t = ProtocolTranscript(rounds: rounds.filter(\.isComplete).map { r in
            ProtocolTranscript.Round(remark: r.remark, speeches: r.requestIDs.compactMap { id in
                guard let reply = r.replies[id], let role = reply.role ?? r.role(of: id) else { return nil }
                return ProtocolTranscript.Speech(role: role, text: reply.text)
            })
        })
        if let nextRemark { t.rounds.append(ProtocolTranscript.Round(remark: nextRemark)) }
        return t
    }

    /// The judgment to start editing from: the last one logged, else the even one.
    public func draft() -> JudgmentState {
        let percents = judgments.last.map { j in shown.map { j.probabilities.indices.contains($0) ? Int((j.probabilities[$0] * 100).rounded()) : 0 } }
        return JudgmentState(shown: shown, percents: percents)
    }

    // MARK: - Apply (called from `AppCore.apply` only)

    mutating func apply(_ started: RoundStarted, monoMs: Int64) {
        let roles = condition.roles
        let round = ProtocolRoundState(number: started.round, remark: started.remark, requestIDs: started.requestIDs,
                                       roles: Array(roles.prefix(started.requestIDs.count)), startedMs: monoMs)
        // A round asked for again (after a failure or a resume) replaces the one it repeats.
        rounds.removeAll { $0.number >= started.round }
        rounds.append(round)
    }

    mutating func apply(_ reply: AssistantReply) {
        guard let k = rounds.lastIndex(where: { $0.requestIDs.contains(reply.requestID) }) else { return }
        rounds[k].replies[reply.requestID] = reply
    }

    mutating func apply(_ judgment: Judgment) {
        judgments.append(judgment)
    }
}

extension AppCore {
    /// The protocol state a `question_shown` starts, from the draw it records (older records
    /// without one get the draw computed again: it is a pure function of the study).
    static func protocolQuestion(_ s: AppState, _ shown: QuestionShown) -> ProtocolQuestion? {
        guard let settings = protocolSettings(s, block: shown.block) else { return nil }
        var shownOptions = shown.optionsShown
        var roles = shown.roles
        if shownOptions == nil || roles == nil, let q = s.question,
           let fresh = protocolShown(s, block: shown.block, index: shown.index, question: q) {
            shownOptions = shownOptions ?? fresh.optionsShown
            roles = roles ?? fresh.roles
        }
        return ProtocolQuestion(questionID: shown.questionID, condition: shown.condition, settings: settings,
                                shown: shownOptions ?? [0, 1, 2, 3], roles: roles ?? [])
    }

    static func applyRound(_ s: inout AppState, _ started: RoundStarted, monoMs: Int64) {
        guard s.protocolQuestion?.questionID == started.questionID else { return }
        s.protocolQuestion?.apply(started, monoMs: monoMs)
        s.nextRequestID = max(s.nextRequestID, (started.requestIDs.max() ?? 0) + 1)
        for id in started.requestIDs {
            s.judge.streams[id] = nil
            s.judge.firstTextMs[id] = nil
        }
    }

    static func applySpeech(_ s: inout AppState, _ r: AssistantReply) {
        s.nextRequestID = max(s.nextRequestID, r.requestID + 1)
        guard s.protocolQuestion?.questionID == r.questionID else { return }
        s.protocolQuestion?.apply(r)
        s.judge.streams[r.requestID] = nil
        s.judge.firstTextMs[r.requestID] = nil
        if s.protocolQuestion?.rounds.last?.isComplete == true {
            // A new round is in: show it from its start.
            s.judge.viewRound = nil
            s.judge.speechTop = 0
        }
    }

    static func applyJudgment(_ s: inout AppState, _ j: Judgment) {
        guard s.protocolQuestion?.questionID == j.questionID else { return }
        s.protocolQuestion?.apply(j)
        // Live the draft is what was logged (its tie-break kept); a replay starts from the record.
        if s.judge.draft.probabilities != j.probabilities, let pq = s.protocolQuestion {
            let selected = s.judge.draft.selected
            s.judge.draft = pq.draft()
            s.judge.draft.selected = min(selected, max(0, pq.shown.count - 1))
        }
    }
}
