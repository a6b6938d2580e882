import OversightCore

/// Keys of the answer pane: options, confidence, submitting.
extension AppCore {
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
}
