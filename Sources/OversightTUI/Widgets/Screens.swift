import OversightCore

/// The whole-screen pages: instructions, feedback, end, and the "terminal too small" notice.
public enum Screens {
    /// Instructions shown when the study has none of its own.
    public static let defaultInstructions = """
    You will answer multiple-choice questions. For each one, choose the option you think is \
    correct (a-d) and how confident you are (1-5), then press Enter.

    In some blocks you can chat with an AI assistant. It can be wrong, and it can sound sure \
    when it is wrong. Ctrl-R resets it: it forgets the conversation, but you still see it.

    Some questions have a time limit, shown at the top right. When it runs out, your current \
    choice is submitted.

    Press F1 at any time for the keys. Ctrl-C lets you stop; your progress is saved.
    """

    /// Draw a page: a full-body box with a title, wrapped paragraphs from `top`, a footer.
    public static func page(title: String, paragraphs: [(String, Style)], top: Int, footer: String,
                            size: Size, into canvas: inout Canvas) {
        page(title: title, blocks: paragraphs.map { PageBlock($0.0, style: $0.1) }, top: top, footer: footer,
             size: size, into: &canvas)
    }

    /// Width of a page's text column at `size`: at most `PassageView.maxTextWidth` cells.
    static func pageTextWidth(_ size: Size) -> Int { max(1, min(size.cols - 6, PassageView.maxTextWidth)) }

    /// The lines of `blocks` on a page `width` cells wide, with blank lines between blocks.
    static func pageLines(_ blocks: [PageBlock], width: Int) -> [(String, Style)] {
        var lines: [(String, Style)] = []
        for (i, b) in blocks.enumerated() {
            if i > 0 && b.gapBefore { lines.append(("", .plain)) }
            for l in b.lines(width: width) { lines.append((l, b.style)) }
        }
        return lines
    }

    /// Draw a page of blocks (see `page(title:paragraphs:...)`).
    public static func page(title: String, blocks: [PageBlock], top: Int, footer: String,
                            size: Size, into canvas: inout Canvas) {
        let r = Rect(col: 0, row: 1, width: size.cols, height: size.rows - 2)
        canvas.box(r, title: title, focused: true)
        // A readable column: at most `PassageView.maxTextWidth` cells, centred.
        let textW = min(r.inner.width - 4, PassageView.maxTextWidth)
        let inner = Rect(col: r.inner.col + (r.inner.width - textW) / 2, row: r.inner.row + 1, width: textW,
                         height: r.inner.height - 2)
        let lines = pageLines(blocks, width: inner.width)
        let maxTop = max(0, lines.count - inner.height)
        let first = min(max(0, top), maxTop)
        for row in 0..<inner.height where first + row < lines.count {
            let (t, st) = lines[first + row]
            canvas.text(t, col: inner.col, row: inner.row + row, maxWidth: inner.width, style: st)
        }
        if lines.count > inner.height {
            canvas.text(" line \(first + 1)/\(lines.count) ", col: r.maxCol - 18, row: r.maxRow - 1, style: Style(.dim))
        }
        canvas.text(TextLayout.truncate(footer, width: size.cols - 2), col: 1, row: size.rows - 1, style: Style(.title, bold: true))
    }

    /// Blocks of the instructions (the study's, read as light Markdown, or the default ones).
    static func instructionBlocks(_ text: String?, size: Size) -> [PageBlock] {
        let body = (text?.isEmpty == false ? text : nil) ?? defaultInstructions
        return PageText.blocks(body, width: pageTextWidth(size))
    }

    /// The largest useful scroll position of the instructions page at `size`.
    public static func instructionsMaxTop(_ text: String?, size: Size) -> Int {
        let count = pageLines(instructionBlocks(text, size: size), width: pageTextWidth(size)).count
        return max(0, count - max(1, size.rows - 6))
    }

    /// The instructions page.
    public static func instructions(_ text: String?, top: Int, size: Size, into canvas: inout Canvas) {
        page(title: "Instructions", blocks: instructionBlocks(text, size: size), top: top,
             footer: "Press Enter to begin.   Up/Down scroll   F1 help   Ctrl-C quit", size: size, into: &canvas)
    }

    /// The feedback page after a submission.
    public static func feedback(_ sub: Submission, question: Question, scale: [Int], size: Size, into canvas: inout Canvas) {
        var blocks: [PageBlock] = []
        if sub.timedOut {
            blocks.append(PageBlock("Time ran out. " + (sub.choice == nil ? "No option was chosen, so this counts as wrong."
                                                                          : "Your current choice was submitted."),
                                    style: Style(.warning, bold: true)))
        }
        blocks.append(PageBlock(sub.correct ? "Correct." : "Not correct.", style: Style(sub.correct ? .success : .danger, bold: true)))
        func option(_ i: Int) -> String {
            "\(Question.letter(i)). " + (question.options.indices.contains(i) ? question.options[i] : "")
        }
        // Labelled rows with their text aligned after the longest label.
        let labels = ["Question:", "Your answer:", "Your confidence:", "Correct answer:"]
        let labelW = labels.map { DisplayWidth.of($0) }.max() ?? 0
        func row(_ label: String, _ text: String, _ style: Style, gap: Bool) -> PageBlock {
            PageBlock(text, style: style, lead: TextLayout.pad(label, width: labelW) + " ", gapBefore: gap)
        }
        blocks.append(row("Question:", question.text, .plain, gap: true))
        blocks.append(row("Your answer:", sub.choice.map(option) ?? "no answer",
                          Style(sub.correct ? .success : .normal, bold: true), gap: true))
        if let c = sub.confidence {
            blocks.append(row("Your confidence:", Study.confidenceLabel(c), Style(.normal, bold: true), gap: false))
        }
        blocks.append(row("Correct answer:", option(sub.gold), Style(.success, bold: true), gap: true))
        page(title: "Question \(sub.index + 1): feedback", blocks: blocks, top: 0,
             footer: "Press Enter to continue.   F1 help   Ctrl-C quit", size: size, into: &canvas)
    }

    /// The end page with the completion code.
    /// `logChanged`: the log file was changed by someone else during the session.
    public static func end(code: String, logChanged: Bool = false, size: Size, into canvas: inout Canvas) {
        var paras: [(String, Style)] = [
            ("Thank you. You have answered every question and the session is complete.", Style(.normal, bold: true)),
            ("Your completion code:", .plain),
            ("    \(code)", Style(.success, bold: true)),
            ("Give this code to the study organiser. Your answers are saved.", .plain),
        ]
        if logChanged {
            paras.append(("Warning: the session log was changed during the session by something other than this "
                          + "program. Please tell the study organiser.", Style(.warning, bold: true)))
        }
        page(title: "Finished", paragraphs: paras, top: 0, footer: "Press Enter to close.", size: size, into: &canvas)
    }

    /// The notice shown below the minimum size.
    public static func tooSmall(size: Size, into canvas: inout Canvas) {
        let min = ScreenLayout.minimum
        let msg = "Please enlarge the terminal to at least \(min.cols)x\(min.rows) (it is \(size.cols)x\(size.rows) now)."
        let lines = TextLayout.wrap(msg, width: max(1, size.cols - 2))
        let top = max(0, (size.rows - lines.count) / 2)
        for (i, l) in lines.enumerated() {
            canvas.text(l.text, col: max(0, (size.cols - l.width) / 2), row: top + i, style: Style(.warning, bold: true))
        }
    }

    /// An error banner across the top of the body, wrapped to the width.
    public static func errorBanner(_ message: String, size: Size, into canvas: inout Canvas) {
        // Wrapped, not cut: at 80 columns the whole message takes two or three rows (at most
        // a third of the screen, the last row ending in "…" if even that is too little).
        let lines = TextLayout.wrap(message, width: max(1, size.cols - 2), maxLines: max(1, (size.rows - 2) / 3))
        let r = Rect(col: 0, row: 1, width: size.cols, height: lines.count)
        canvas.fill(r, style: Style(.danger, reverse: true))
        for (i, line) in lines.enumerated() {
            canvas.text(" " + line, col: 0, row: 1 + i, maxWidth: size.cols, style: Style(.danger, bold: true, reverse: true))
        }
    }
}
