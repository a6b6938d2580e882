/// The F1 help overlay: every key of the question screen, grouped by pane.
public enum HelpOverlay {
    /// Lines of the help text, as (keys, meaning); an empty key starts a group heading.
    /// `twoStage`: the question takes an initial answer before the chat opens.
    public static func entries(assisted: Bool, levels: Int = 5, twoStage: Bool = false) -> [(String, String)] {
        var e: [(String, String)] = [
            ("", "Everywhere"),
            ("Tab / Shift-Tab", "next / previous pane"),
            ("F2 F3" + (assisted ? " F4" : ""), "passage (or question), answer" + (assisted ? ", chat" : "")),
            ("F1", "show or hide this help"),
            ("F\(AppCore.zoomKey)", "zoom this pane to the whole screen, and back"),
            ("Ctrl-C", "quit (asks first; progress is saved)"),
            ("", "Passage / question"),
            // Home/End share the scroll line so the list still fits an 80x24 terminal.
            ("Up Down PgUp PgDn", "scroll; Home / End: start / end"),
            ("/", "search; Enter runs it, Esc closes"),
            ("n N", "next / previous match"),
            ("", "Answer"),
            ("a b c d", "choose an option"),
            (AnswerPane.confidenceKeys(levels), "choose a confidence"),
            twoStage ? ("Enter", "submit; step 1 (no assistant) opens the chat")
                : ("Enter", "submit (once both are chosen)"),
            ("PgUp PgDn", "scroll a question too long for the pane"),
        ]
        if assisted {
            e += [
                ("", "Chat"),
                // F6 shares a line so the list still fits an 80x24 terminal.
                ("Enter / F6", "send / insert the question and options"),
                // F5 shares a line so the list still fits an 80x24 terminal.
                ("Esc / F5", "cancel the reply / retry the last message"),
                ("Ctrl-R", "reset the assistant (it forgets the chat)"),
                ("PgUp PgDn", "scroll the conversation"),
            ]
        }
        return e
    }

    /// The help of a consultancy or debate question: the judgment, the rounds, the quote marks.
    public static func protocolEntries(debate: Bool, showPassage: Bool) -> [(String, String)] {
        var e: [(String, String)] = [
            ("", "Everywhere"),
            ("Tab / Shift-Tab", "next / previous pane"),
            (showPassage ? "F2 F3 F4" : "F3 F4", (showPassage ? "passage, " : "") + "judgment, " + (debate ? "debate" : "consultant")),
            ("F1 / F\(AppCore.zoomKey)", "this help / zoom the pane"),
            ("Ctrl-C", "quit (asks first; progress is saved)"),
            ("", "Judgment: how likely is each option to be right?"),
            ("Up Down  a b ...", "select an option"),
            ("Right + / Left -", "5% more / less; the sum stays 100%"),
            ("=", "back to even"),
            ("Enter", "state the prior (before any argument)"),
            ("n / e", "another round / end (highest = answer)"),
            ("", debate ? "Debate: two debaters defend different options" : "Consultant: defends one option, right or not"),
            ("Enter", "next round, with the remark you typed"),
            ("PgUp PgDn / Ctrl-P N", "scroll / earlier and later rounds"),
            ("F5", "ask again for a round whose speech failed"),
            ("✓“...”  ✗[...]", "quote found in the passage / not found"),
        ]
        if showPassage { e.append(("F8 (passage: q)", "show the next verified quote in the passage")) }
        return e
    }

    /// Draw the overlay centred in a `size` frame (`lines`: other entries than the default).
    /// `twoStage`: the question takes an initial answer before the chat opens.
    public static func render(assisted: Bool, levels: Int = 5, lines custom: [(String, String)]? = nil,
                              twoStage: Bool = false, size: Size, into canvas: inout Canvas) {
        let lines = custom ?? entries(assisted: assisted, levels: levels, twoStage: twoStage)
        let w = min(size.cols - 4, 72)
        let h = min(size.rows - 2, lines.count + 4)
        let r = Rect(col: (size.cols - w) / 2, row: (size.rows - h) / 2, width: w, height: h)
        canvas.fill(r)
        canvas.box(r, title: "Help", focused: true, rightTitle: "F1 or Esc closes")
        let inner = r.inner
        for (i, (k, v)) in lines.enumerated() where i < inner.height {
            let row = inner.row + i
            if k.isEmpty {
                canvas.text(v, col: inner.col + 1, row: row, style: Style(.title, bold: true))
            } else {
                canvas.text(k, col: inner.col + 3, row: row, maxWidth: 20, style: Style(.normal, bold: true))
                canvas.text(v, col: inner.col + 24, row: row, maxWidth: inner.width - 25, style: .plain)
            }
        }
    }
}
