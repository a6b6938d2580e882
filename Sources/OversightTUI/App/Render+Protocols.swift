import OversightCore

extension AppCore {
    /// Least terminal width at which the passage and the speeches are shown side by side; on a
    /// narrower one the passage takes the speeches' place while it has the focus.
    public static let protocolSplitWidth = 120

    /// Layout of a consultancy or debate question: the judgment (the question and a bar per
    /// shown option) across the bottom, the speeches above it, and the passage (when the judge
    /// may read it) to their left on a wide terminal or in their place while focused.
    static func protocolLayout(_ s: AppState, _ pq: ProtocolQuestion, question q: Question, size: Size,
                               zoom: Pane?) -> ScreenLayout {
        let body = Rect(col: 0, row: 1, width: size.cols, height: size.rows - 2)
        let none = Rect(col: 0, row: body.row, width: 0, height: 0)
        if let zoom, protocolPanes(pq).contains(zoom) {
            return ScreenLayout(size: size, body: body, passage: zoom == .passage ? body : none,
                                chat: zoom == .chat ? body : none, answer: zoom == .answer ? body : none, zoomed: zoom)
        }
        let inner = AnswerPane.content(Rect(col: 0, row: 0, width: size.cols, height: 3)).width
        let qLines = min(3, TextLayout.wrap(q.text, width: max(1, inner - 3)).count)
        let optionRows = JudgmentPane.rows(s.judge.draft, labels: judgmentLabels(pq, q), focused: false, width: inner).count
        let judgmentH = min(body.height / 2, 2 + qLines + optionRows)
        let top = Rect(col: 0, row: body.row, width: size.cols, height: body.height - judgmentH)
        let answer = Rect(col: 0, row: top.maxRow, width: size.cols, height: judgmentH)
        guard pq.settings.showPassage else {
            return ScreenLayout(size: size, body: body, passage: none, chat: top, answer: answer)
        }
        if size.cols >= protocolSplitWidth {
            let w = min(size.cols * 45 / 100, ScreenLayout.maxReadingPaneWidth)
            return ScreenLayout(size: size, body: body, passage: Rect(col: 0, row: top.row, width: w, height: top.height),
                                chat: Rect(col: w, row: top.row, width: size.cols - w, height: top.height), answer: answer)
        }
        // Narrow: both share the area (the passage's geometry stays valid for scrolling); the
        // focus decides which is drawn.
        return ScreenLayout(size: size, body: body, passage: top, chat: top, answer: answer)
    }

    /// The shown options' texts, in screen order.
    static func judgmentLabels(_ pq: ProtocolQuestion, _ q: Question) -> [String] {
        pq.shown.map { q.options.indices.contains($0) ? q.options[$0] : "" }
    }

    /// The speeches of round `number` as the judge sees them.
    static func speeches(_ pq: ProtocolQuestion, round number: Int) -> [Speech] {
        guard let r = pq.rounds.first(where: { $0.number == number }) else { return [] }
        return r.requestIDs.compactMap { id -> Speech? in
            guard let reply = r.replies[id], let role = reply.role ?? r.role(of: id) else { return nil }
            let (text, flags) = markedText(pq.shownText(reply), quotes: reply.quotes ?? [])
            // A consultant's side is never named: the judge must work out whether to trust it.
            let stance = role == .consultant ? "" : "argues for \(pq.stanceLabel(of: role))"
            return Speech(speaker: role.label, stance: stance, text: text, verified: flags, cut: reply.cut ?? false,
                          side: role == .debaterA ? 0 : 1)
        }
    }

    /// A logged speech with its quote tags lined up with its quote records: a quote split at the
    /// quote budget becomes two tagged quotes (the part past it unverified), a quote the check
    /// dropped (no letters or digits) stays as plain text.
    static func markedText(_ text: String, quotes: [QuoteRecord]) -> (String, [Bool]) {
        var out = ""
        var flags: [Bool] = []
        var k = 0
        for seg in QuoteMarkup.segments(text, verified: []) {
            switch seg {
            case .text(let t):
                out += t
            case .quote(let body, _):
                guard body.unicodeScalars.contains(where: { $0.properties.isAlphabetic || $0.properties.numericType != nil }),
                      k < quotes.count else {
                    out += body
                    continue
                }
                if quotes[k].text != body, k + 1 < quotes.count, quotes[k].text + quotes[k + 1].text == body {
                    out += "<quote>\(quotes[k].text)</quote><quote>\(quotes[k + 1].text)</quote>"
                    flags += [quotes[k].verified, false]
                    k += 2
                } else {
                    out += "<quote>\(body)</quote>"
                    flags.append(quotes[k].verified)
                    k += 1
                }
            }
        }
        return (out, flags)
    }

    static func protocolKeyHints(_ s: AppState, _ pq: ProtocolQuestion) -> [(String, String)] {
        let common: [(String, String)] = [("Tab", "pane"), ("F1", "help"), ("Ctrl-C", "quit")]
        let zoom: [(String, String)] = [("F\(zoomKey)", s.zoomed ? "unzoom" : "zoom")]
        let quote: [(String, String)] = pq.settings.showPassage ? [("F8", "next verified quote")] : []
        let retry: [(String, String)] = pq.stage == .broken ? [("F5", "ask again")] : []
        switch s.focus {
        case .passage:
            if s.passage.searchPrompt != nil { return [("Enter", "search"), ("Esc", "close")] }
            return [("↑↓/PgUp/PgDn", "scroll"), ("/", "search"), ("q", "next verified quote")] + zoom + common
        case .answer:
            var keys: [(String, String)] = [("↑↓", "option"), ("←→", "-/+5%")]
            switch pq.stage {
            case .prior: keys.append(("Enter", "state prior"))
            case .judging:
                if pq.canContinue { keys.append(("n", "next round")) }
                if pq.canEnd { keys.append(("e", "end")) }
            case .speaking, .broken: break
            }
            return keys + retry + quote + zoom + common
        case .chat:
            let send: [(String, String)] = pq.stage == .judging && pq.canContinue ? [("Enter", "next round with remark")] : []
            return send + [("PgUp/PgDn", "scroll"), ("Ctrl-P/N", "rounds")] + retry + quote + zoom + common
        }
    }

    static func renderProtocol(_ s: AppState, _ pq: ProtocolQuestion, size: Size, into canvas: inout Canvas) {
        guard let q = s.question, let layout = screenLayout(s, size: size) else { return }
        let focus = s.phase == .question ? s.focus : nil
        let paneLabel: String? = focus.map { p in
            switch p {
            case .passage: return paneName(p, q)
            case .answer: return "Judgment"
            case .chat: return pq.condition == .debate ? "Debate" : "Consultant"
            }
        }
        StatusBar.render(StatusBarModel(position: positionLabel(s), remainingMs: s.remainingMs,
                                        focus: paneLabel.map { $0 + (layout.zoomed == nil ? "" : ", zoomed") },
                                        keys: protocolKeyHints(s, pq)),
                         width: size.cols, row: 0, hintsRow: size.rows - 1, into: &canvas)
        let shared = layout.passage == layout.chat
        let drawPassage = layout.passage.width > 0 && (!shared || focus == .passage)
        let drawChat = (layout.chat?.width ?? 0) > 0 && (!shared || focus != .passage)
        if drawPassage {
            let text = paneText(q)
            let lines = s.wrapCache.lines(text, width: PassageView.textWidth(inner: layout.passage.inner))
            PassageView.render(s.passage, text: text, lines: lines, title: paneTitle(q), focused: focus == .passage,
                               into: &canvas, rect: layout.passage)
        }
        if drawChat, let rect = layout.chat {
            renderSpeeches(s, pq, focused: focus == .chat, into: &canvas, rect: rect)
        }
        if layout.answer.width > 0 {
            renderJudgment(s, pq, question: q, focused: focus == .answer, into: &canvas, rect: layout.answer)
        }
    }

    /// The speeches pane less its remark line.
    static func speechArea(_ rect: Rect) -> Rect {
        Rect(col: rect.col, row: rect.row, width: rect.width, height: rect.height - 1)
    }

    /// The round on view and its speeches (none while a round is being written, unless an
    /// earlier round was chosen with Ctrl-P).
    static func speechesOnView(_ s: AppState, _ pq: ProtocolQuestion) -> (round: Int?, speeches: [Speech]) {
        let heard = pq.rounds.filter(\.isComplete).map(\.number)
        let round = s.judge.viewRound ?? heard.last
        let showing = pq.stage == .judging || s.judge.viewRound != nil
        return (round, showing ? round.map { speeches(pq, round: $0) } ?? [] : [])
    }

    static func renderSpeeches(_ s: AppState, _ pq: ProtocolQuestion, focused: Bool, into canvas: inout Canvas, rect: Rect) {
        let speechRect = speechArea(rect)
        let who = pq.condition == .debate ? "both debaters speak" : "the consultant speaks"
        let (shownRound, list) = speechesOnView(s, pq)
        var waiting: String?
        switch pq.stage {
        case .prior:
            waiting = "Before any argument: how likely is each option? Set your prior in the judgment pane "
                + "(↑↓ option, ←→ 5% less or more) and press Enter; then \(who)"
                + (pq.condition == .debate ? ", both at once." : ".")
        case .speaking:
            let n = pq.rounds.last?.number ?? 1
            let waited = pq.rounds.last.map { " (\(max(0, s.nowMs - $0.startedMs) / 1000) s)" } ?? ""
            waiting = pq.condition == .debate
                ? "Round \(n): the debaters are writing\(waited). Both speeches appear together when both are complete."
                : "Round \(n): the consultant is writing\(waited)."
        case .broken:
            let errors = pq.rounds.last.map { r in r.requestIDs.compactMap { r.replies[$0]?.error } } ?? []
            waiting = "A speech of this round could not be fetched" + (errors.first.map { ": \($0)" } ?? ".")
                + " Press F5 to ask for the round again."
        case .judging:
            waiting = nil
        }
        let showingSpeeches = !list.isEmpty
        var title = "Round \(shownRound ?? max(1, pq.rounds.count)) of at most \(pq.settings.maxRounds)"
        if let n = shownRound, let r = pq.rounds.first(where: { $0.number == n }), !r.remark.isEmpty, showingSpeeches {
            title += " · you wrote: \"\(r.remark)\""
        }
        let tops = Array(repeating: s.judge.speechTop, count: list.count)
        SpeechView.render(list, title: list.isEmpty ? (pq.condition == .debate ? "Debate" : "Consultant") : title,
                          tops: tops, waiting: waiting, focused: focused, into: &canvas, rect: speechRect)
        // The remark line under the speeches.
        let row = rect.maxRow - 1
        canvas.fill(Rect(col: rect.col, row: row, width: rect.width, height: 1), style: Style(.statusBar))
        if let notice = s.chatNotice {
            canvas.text(TextLayout.truncate(" " + notice, width: rect.width), col: rect.col, row: row,
                        style: Style(.warning, bold: true))
        } else if pq.stage == .judging && pq.canContinue {
            let label = " Remark for round \(pq.rounds.count + 1): "
            let lw = DisplayWidth.of(label)
            canvas.text(label, col: rect.col, row: row, style: Style(.statusBar, bold: true))
            let fieldW = max(1, rect.width - lw - 1)
            let (shown, cursorCol) = s.input.singleLine(width: fieldW)
            canvas.text(shown, col: rect.col + lw, row: row, maxWidth: fieldW, style: Style(.statusBar))
            if focused { canvas.setCursor(col: rect.col + lw + cursorCol, row: row) }
        } else {
            let hint = pq.stage == .judging ? " Last round heard: end with e in the judgment pane." : " "
            canvas.text(TextLayout.truncate(hint, width: rect.width), col: rect.col, row: row, style: Style(.statusBar))
        }
    }

    static func renderJudgment(_ s: AppState, _ pq: ProtocolQuestion, question q: Question, focused: Bool,
                               into canvas: inout Canvas, rect: Rect) {
        let title: String
        switch pq.stage {
        case .prior: title = "Your prior judgment"
        case .judging:
            title = "Your judgment after round \(pq.roundsHeard)" + (pq.canEnd ? (pq.canContinue ? ": n next, e end" : ": e ends") : "")
        case .speaking, .broken: title = "Your judgment (round \(pq.rounds.last?.number ?? 1) under way)"
        }
        var status: (text: String, style: Style)?
        if s.logFailure != nil {
            status = ("Answers cannot be saved right now (see the message above).", Style(.danger, bold: true))
        } else if let notice = s.notice {
            status = (notice, Style(.warning, bold: true))
        } else if pq.stage == .prior {
            status = ("Enter states your prior", Style(.dim))
        } else if let answer = s.judge.draft.answer, let k = pq.shown.firstIndex(of: answer) {
            status = ("Most likely: \(ProtocolDraw.label(position: k))", Style(.dim))
        } else {
            status = ("Tied: give the option you choose more before ending", Style(.dim))
        }
        canvas.box(rect, title: title, focused: focused, footer: status)
        let inner = AnswerPane.content(rect)
        guard inner.width > 8, inner.height > 0 else { return }
        let optionRows = JudgmentPane.rows(s.judge.draft, labels: judgmentLabels(pq, q), focused: focused, width: inner.width)
        // The question takes up to 3 lines (all it needs when the pane is zoomed), the options the rest.
        let qMax = max(1, min(s.zoomed ? inner.height : 3, inner.height - optionRows.count))
        let qLines = TextLayout.wrap(q.text, width: max(1, inner.width - 3), maxLines: qMax)
        var row = inner.row
        for (k, l) in qLines.enumerated() where row < inner.maxRow {
            canvas.text(k == 0 ? "Q: " : "   ", col: inner.col, row: row, style: Style(.title, bold: true))
            canvas.text(l, col: inner.col + 3, row: row, maxWidth: inner.width - 3, style: Style(.normal, bold: true))
            row += 1
        }
        for segs in optionRows where row < inner.maxRow {
            canvas.segments(segs, col: inner.col, row: row, maxWidth: inner.width)
            row += 1
        }
    }

    /// The feedback page of a protocol question: the answer, the probabilities stated, the
    /// correct option, and with `show_score` the judge's score.
    static func protocolFeedback(_ s: AppState, _ sub: Submission, question q: Question, size: Size, into canvas: inout Canvas) {
        let settings = protocolSettings(s, block: sub.block)
        let shown = s.protocolQuestion?.shown ?? Array(q.options.indices)
        func option(_ i: Int) -> String {
            let label = shown.firstIndex(of: i).map { ProtocolDraw.label(position: $0) } ?? "?"
            return "\(label). " + (q.options.indices.contains(i) ? q.options[i] : "")
        }
        var blocks: [PageBlock] = []
        if sub.timedOut {
            blocks.append(PageBlock("Time ran out: your current judgment was submitted.", style: Style(.warning, bold: true)))
        }
        blocks.append(PageBlock(sub.correct ? "Correct." : "Not correct.", style: Style(sub.correct ? .success : .danger, bold: true)))
        let probs = sub.probabilities ?? []
        let stated = shown.map { o in
            "\(option(o).prefix(2)) \(probs.indices.contains(o) ? Int((probs[o] * 100).rounded()) : 0)%"
        }.joined(separator: "   ")
        blocks.append(PageBlock("Your answer: " + (sub.choice.map(option) ?? "no answer"),
                                style: Style(sub.correct ? .success : .normal, bold: true), gapBefore: true))
        blocks.append(PageBlock("Your judgment: " + stated, style: .plain, gapBefore: false))
        blocks.append(PageBlock("Correct answer: " + option(sub.gold), style: Style(.success, bold: true), gapBefore: true))
        if settings?.showScore == true, let pq = s.protocolQuestion,
           let score = judgeScore(sub, rounds: pq.roundsHeard) {
            let extra = max(0, pq.roundsHeard - 1)
            blocks.append(PageBlock("Your score: " + formatScore(score) + " (log2 of the probability you gave the correct "
                                    + "answer, less 0.05 for each of \(extra) round\(extra == 1 ? "" : "s") beyond the first; "
                                    + "0 is the best)", style: Style(.normal, bold: true), gapBefore: true))
        }
        Screens.page(title: "Question \(sub.index + 1): feedback", blocks: blocks, top: 0,
                     footer: "Press Enter to continue.   F1 help   Ctrl-C quit", size: size, into: &canvas)
    }

    /// A score with two decimals ("-0.74").
    static func formatScore(_ v: Double) -> String {
        let cents = Int((v * 100).rounded())
        let sign = cents < 0 ? "-" : ""
        let a = abs(cents)
        return "\(sign)\(a / 100).\(a % 100 < 10 ? "0" : "")\(a % 100)"
    }
}
