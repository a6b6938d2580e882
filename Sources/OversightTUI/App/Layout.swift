import OversightCore

/// Where the panes of the question screen go for a terminal size.
///
/// Row 0 is the status bar, the last row the key hints. Between them: the passage (or, for
/// MMLU, the question) pane on the left and the chat pane on the right (assisted blocks only),
/// and the answer pane across the bottom, as tall as its content needs up to half the body.
public struct ScreenLayout: Sendable, Equatable {
    /// The smallest terminal the screen is laid out for.
    public static let minimum = Size(cols: 80, rows: 24)

    public var size: Size
    public var body: Rect
    public var passage: Rect
    public var chat: Rect?
    public var answer: Rect

    /// True when the terminal is smaller than `minimum`.
    public static func tooSmall(_ size: Size) -> Bool {
        size.cols < minimum.cols || size.rows < minimum.rows
    }

    /// Layout of the question screen for `question`.
    public static func question(size: Size, question: Question, assisted: Bool) -> ScreenLayout {
        let body = Rect(col: 0, row: 1, width: size.cols, height: size.rows - 2)
        let showQ = question.task == .quality
        // Options must stay readable: the answer pane may take up to 60% of the body.
        let maxInner = max(6, body.height * 6 / 10 - 2)
        let answerInner = min(maxInner, AnswerPane.innerHeight(question: question, showQuestion: showQ,
                                                                innerWidth: size.cols - 2, maxInner: maxInner))
        let answerH = answerInner + 2
        let topH = body.height - answerH
        let answer = Rect(col: 0, row: body.row + topH, width: size.cols, height: answerH)
        if assisted {
            let leftW = size.cols * 55 / 100
            return ScreenLayout(size: size, body: body,
                                passage: Rect(col: 0, row: body.row, width: leftW, height: topH),
                                chat: Rect(col: leftW, row: body.row, width: size.cols - leftW, height: topH),
                                answer: answer)
        }
        return ScreenLayout(size: size, body: body, passage: Rect(col: 0, row: body.row, width: size.cols, height: topH),
                            chat: nil, answer: answer)
    }
}

extension AppCore {
    /// Text of the left pane: the QuALITY passage, or the MMLU question with its options.
    public static func paneText(_ q: Question) -> String {
        if let p = q.passage { return p.text }
        var s = q.text + "\n"
        for (i, o) in q.options.enumerated() { s += "\n\(Question.letter(i)). \(o)" }
        return s
    }

    /// Title of the left pane.
    public static func paneTitle(_ q: Question) -> String {
        if let p = q.passage { return p.title.isEmpty ? "Passage" : "Passage: \(p.title)" }
        return "Question (\(q.subject.replacingOccurrences(of: "_", with: " ")))"
    }

    /// The wrapped left-pane lines and the number of text rows, for the current size.
    static func passageGeometry(_ s: AppState) -> (lines: [WrappedLine], rows: Int, text: String)? {
        guard let q = s.question else { return nil }
        let layout = ScreenLayout.question(size: s.size, question: q, assisted: s.isAssisted)
        let text = paneText(q)
        let lines = s.wrapCache.lines(text, width: PassageView.textWidth(inner: layout.passage.inner))
        return (lines, PassageView.textRows(s.passage, inner: layout.passage.inner), text)
    }
}
