import OversightCore

extension AppCore {
    /// What follows from a logged event once it is written and applied: the next records and
    /// requests, and the screen's response to it (presentation state only). `update` decides
    /// what to log from the state as it is; it never works out what `apply` will make of it.
    ///
    /// The runtime calls this after every record it writes, in order, before the next effect.
    /// A replayed log is applied without reactions: what they logged is in the log, and what
    /// they started (a reply, the next screen) is started again by `resumeEffects`.
    public static func react(_ s: inout AppState, applied event: SessionEvent) -> [Effect] {
        switch event {
        case .chatSent(let questionID, let requestID, let text):
            // The context is the one `apply` left (a retried exchange already dropped).
            guard let p = s.pending, p.requestID == requestID else { return [] }
            let messages = (s.conversation?.messages ?? []) + [ChatMessage(role: .user, content: text)]
            return [.startReply(requestID: requestID, questionID: questionID, messages: messages)]
        case .submitted:
            return advanceAfterSubmission(s)
        case .roundStarted(let started):
            return roundRequests(s, started)
        case .passageSearch(_, let query, _):
            guard !query.isEmpty, let g = passageGeometry(s) else { return [] }
            s.passage.revealCurrentMatch(g.lines, rows: g.rows)
            return markViewportDirty(&s)
        default:
            return []
        }
    }
}
