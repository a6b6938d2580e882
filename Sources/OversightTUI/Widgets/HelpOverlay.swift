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

    /// Draw the overlay centred in a `size` frame.
    public static func render(assisted: Bool, levels: Int = 5, twoStage: Bool = false, size: Size,
                              into canvas: inout Canvas) {
        let lines = entries(assisted: assisted, levels: levels, twoStage: twoStage)
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
