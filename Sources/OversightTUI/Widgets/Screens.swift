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
        let r = Rect(col: 0, row: 1, width: size.cols, height: size.rows - 2)
        canvas.box(r, title: title, focused: true)
        // A readable column: at most `PassageView.maxTextWidth` cells, centred.
        let textW = min(r.inner.width - 4, PassageView.maxTextWidth)
        let inner = Rect(col: r.inner.col + (r.inner.width - textW) / 2, row: r.inner.row + 1, width: textW,
                         height: r.inner.height - 2)
        var lines: [(String, Style)] = []
        for (i, (p, st)) in paragraphs.enumerated() {
            if i > 0 { lines.append(("", .plain)) }
            for l in TextLayout.wrap(p, width: inner.width) { lines.append((l.text, st)) }
        }
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

    /// Paragraphs of the instructions (the study's, or the default ones).
    static func instructionParagraphs(_ text: String?) -> [(String, Style)] {
        let body = (text?.isEmpty == false ? text : nil) ?? defaultInstructions
        return body.components(separatedBy: "\n\n").map { ($0.trimmingCharacters(in: .newlines), Style.plain) }
    }

    /// The largest useful scroll position of the instructions page at `size`.
    public static func instructionsMaxTop(_ text: String?, size: Size) -> Int {
        let width = max(1, min(size.cols - 6, PassageView.maxTextWidth)), height = max(1, size.rows - 6)
        var count = 0
        for (i, (p, _)) in instructionParagraphs(text).enumerated() {
            count += (i > 0 ? 1 : 0) + TextLayout.wrap(p, width: width).count
        }
        return max(0, count - height)
    }

    /// The instructions page.
    public static func instructions(_ text: String?, top: Int, size: Size, into canvas: inout Canvas) {
        let paras = instructionParagraphs(text)
        page(title: "Instructions", paragraphs: paras, top: top,
             footer: "Press Enter to begin.   Up/Down scroll   F1 help   Ctrl-C quit", size: size, into: &canvas)
    }

    /// The feedback page after a submission.
    public static func feedback(_ sub: Submission, question: Question, scale: [Int], size: Size, into canvas: inout Canvas) {
        var paras: [(String, Style)] = []
        if sub.timedOut {
            paras.append(("Time ran out. " + (sub.choice == nil ? "No option was chosen, so this counts as wrong."
                                                                 : "Your current choice was submitted."), Style(.warning, bold: true)))
        }
        paras.append((sub.correct ? "Correct." : "Not correct.", Style(sub.correct ? .success : .danger, bold: true)))
        paras.append(("Question: " + question.text, .plain))
        func option(_ i: Int) -> String {
            "\(Question.letter(i)). " + (question.options.indices.contains(i) ? question.options[i] : "")
        }
        let yours = sub.choice.map(option) ?? "no answer"
        let conf = sub.confidence.map { " (confidence \(Study.confidenceLabel($0)))" } ?? ""
        paras.append(("Your answer: " + yours + conf, Style(sub.correct ? .success : .normal, bold: true)))
        paras.append(("Correct answer: " + option(sub.gold), Style(.success, bold: true)))
        page(title: "Question \(sub.index + 1): feedback", paragraphs: paras, top: 0,
             footer: "Press Enter to continue.   F1 help   Ctrl-C quit", size: size, into: &canvas)
    }

    /// The end page with the completion code.
    public static func end(code: String, size: Size, into canvas: inout Canvas) {
        let paras: [(String, Style)] = [
            ("Thank you. You have answered every question and the session is complete.", Style(.normal, bold: true)),
            ("Your completion code:", .plain),
            ("    \(code)", Style(.success, bold: true)),
            ("Give this code to the study organiser. Your answers are saved.", .plain),
        ]
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

    /// A one-line error banner across the top of the body.
    public static func errorBanner(_ message: String, size: Size, into canvas: inout Canvas) {
        let r = Rect(col: 0, row: 1, width: size.cols, height: 1)
        canvas.fill(r, style: Style(.danger, reverse: true))
        canvas.text(TextLayout.truncate(" " + message, width: size.cols), col: 0, row: 1, style: Style(.danger, bold: true, reverse: true))
    }
}
