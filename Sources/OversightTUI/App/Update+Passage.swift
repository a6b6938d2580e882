import OversightCore

/// Keys of the passage pane: scrolling, search (logged as `passage_search`), and the answer
/// keys, which work here too. The position is logged once it rests (`passage_viewport`).
extension AppCore {
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
}
