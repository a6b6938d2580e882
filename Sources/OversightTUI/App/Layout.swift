import OversightCore

/// Where the panes of the question screen go for a terminal size.
///
/// Row 0 is the status bar, the last row the key hints. Between them:
/// - QuALITY: the passage on the left (most of the width: it is what is read longest), the chat
///   on the right (assisted blocks only), and the answer pane across the bottom, as tall as its
///   question and options need, up to a third of the body while another pane has the focus and
///   60% while it has (beyond that it scrolls, never cut). On an 80x24 terminal that leaves the
///   passage 14 of the 22 rows while it is read.
/// - MMLU: the question pane and the answer pane stacked in one column, each as tall as its
///   content, their text starting in the same column; the chat (assisted blocks) takes the
///   whole height to the right of that column.
/// - Zoomed: the zoomed pane takes the whole body and the others are not drawn.
public struct ScreenLayout: Sendable, Equatable {
    /// The smallest terminal the screen is laid out for.
    public static let minimum = Size(cols: 80, rows: 24)
    /// Widest pane for text read line by line (`PassageView.maxTextWidth` plus border and padding).
    public static let maxReadingPaneWidth = PassageView.maxTextWidth + 4
    /// Share of the width given to the passage or question column beside the chat, in percent.
    public static let readingShare = 60

    public var size: Size
    public var body: Rect
    public var passage: Rect
    public var chat: Rect?
    public var answer: Rect
    /// The pane filling the body, when one is zoomed (the others have empty rectangles).
    public var zoomed: Pane?

    /// True when the terminal is smaller than `minimum`.
    public static func tooSmall(_ size: Size) -> Bool {
        size.cols < minimum.cols || size.rows < minimum.rows
    }

    /// Layout of the question screen for `question`; `zoom` names a pane that fills the body,
    /// `focus` the pane with the focus (the answer pane grows while it has it).
    public static func question(size: Size, question: Question, assisted: Bool, zoom: Pane? = nil,
                                focus: Pane? = nil, scale: [Int] = Study.defaultConfidence) -> ScreenLayout {
        let body = Rect(col: 0, row: 1, width: size.cols, height: size.rows - 2)
        if let zoom, zoom != .chat || assisted {
            let none = Rect(col: 0, row: body.row, width: 0, height: 0)
            return ScreenLayout(size: size, body: body, passage: zoom == .passage ? body : none,
                                chat: assisted ? (zoom == .chat ? body : none) : nil,
                                answer: zoom == .answer ? body : none, zoomed: zoom)
        }
        // Beside the chat, the reading column takes most of the width, but no more than its text uses.
        let columnW = assisted ? min(size.cols * readingShare / 100, maxReadingPaneWidth) : size.cols
        let showQ = question.task == .quality
        func answerHeight(width: Int, share: Int) -> Int {
            // Beyond `share` percent of the body the question and options scroll.
            answerHeight(width: width, maxRows: body.height * share / 100)
        }
        func answerHeight(width: Int, maxRows: Int) -> Int {
            let maxInner = max(6, maxRows - 2)
            let inner = AnswerPane.content(Rect(col: 0, row: 0, width: width, height: 3)).width
            return min(maxInner, AnswerPane.innerHeight(question: question, showQuestion: showQ, innerWidth: inner,
                                                        maxInner: maxInner, scale: scale)) + 2
        }
        if question.passage != nil {
            // Reading the passage is the main task: the answer pane takes more room only while
            // it is being used.
            let answerH = answerHeight(width: size.cols, share: focus == .answer ? 60 : 33)
            let topH = body.height - answerH
            let answer = Rect(col: 0, row: body.row + topH, width: size.cols, height: answerH)
            return ScreenLayout(size: size, body: body,
                                passage: Rect(col: 0, row: body.row, width: columnW, height: topH),
                                chat: assisted ? Rect(col: columnW, row: body.row, width: size.cols - columnW,
                                                      height: topH) : nil,
                                answer: answer)
        }
        // MMLU: one column no wider than a reading line, panes as tall as their content; the
        // question pane scrolls when the two do not fit.
        let width = assisted ? columnW : min(size.cols, maxReadingPaneWidth)
        let textW = PassageView.textWidth(inner: Rect(col: 0, row: 0, width: width, height: 3).inner)
        let wanted = TextLayout.wrap(AppCore.paneText(question), width: textW).count + 2
        let questionH = max(3, min(wanted, body.height - answerHeight(width: width, share: 60)))
        // The options take the rows the question leaves, before they scroll.
        let answerH = answerHeight(width: width, maxRows: body.height - questionH)
        return ScreenLayout(size: size, body: body,
                            passage: Rect(col: 0, row: body.row, width: width, height: questionH),
                            chat: assisted ? Rect(col: width, row: body.row, width: size.cols - width, height: body.height) : nil,
                            answer: Rect(col: 0, row: body.row + questionH, width: width, height: answerH))
    }
}

extension AppCore {
    /// Text of the left pane: the QuALITY passage, or the MMLU question (its options are in
    /// the answer pane right below it).
    public static func paneText(_ q: Question) -> String {
        q.passage?.text ?? q.text
    }

    /// Title of the left pane.
    public static func paneTitle(_ q: Question) -> String {
        if let p = q.passage { return p.title.isEmpty ? "Passage" : "Passage: \(p.title)" }
        return "Question (\(q.subject.replacingOccurrences(of: "_", with: " ")))"
    }

    /// The function key that zooms the focused pane to the whole screen and back (F7).
    public static let zoomKey = 7

    /// The pane that fills the screen: the focused one while zoomed.
    static func zoomedPane(_ s: AppState) -> Pane? {
        s.zoomed && s.phase == .question ? s.focus : nil
    }

    /// The layout of the question screen for the state's question, size and zoom (`zoom`
    /// overrides the state's zoomed pane).
    static func screenLayout(_ s: AppState, size: Size? = nil, zoom: Pane?? = nil) -> ScreenLayout? {
        guard let q = s.question else { return nil }
        if let pq = s.protocolQuestion {
            return protocolLayout(s, pq, question: q, size: size ?? s.size, zoom: zoom ?? zoomedPane(s))
        }
        return ScreenLayout.question(size: size ?? s.size, question: q, assisted: s.isAssisted,
                                     zoom: zoom ?? zoomedPane(s), focus: s.phase == .question ? s.focus : nil,
                                     scale: s.scale)
    }

    /// The wrapped left-pane lines and the number of text rows, for the current size. While
    /// another pane is zoomed the passage keeps the geometry it has when shown.
    static func passageGeometry(_ s: AppState) -> (lines: [WrappedLine], rows: Int, text: String)? {
        guard let q = s.question else { return nil }
        guard let layout = screenLayout(s, zoom: .some(zoomedPane(s) == .passage ? .passage : nil)) else { return nil }
        let text = paneText(q)
        let lines = s.wrapCache.lines(text, width: PassageView.textWidth(inner: layout.passage.inner))
        return (lines, PassageView.textRows(s.passage, inner: layout.passage.inner), text)
    }
}
