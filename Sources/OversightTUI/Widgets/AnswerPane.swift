import OversightCore

/// The participant's current answer: an option (0...3) and a confidence level (an index into
/// the study's scale). Setters clamp: out-of-range values are refused, never stored.
public struct AnswerState: Sendable, Equatable {
    public private(set) var choice: Int?
    public private(set) var confidenceLevel: Int?

    /// An answer; out-of-range values are dropped.
    public init(choice: Int? = nil, confidenceLevel: Int? = nil) {
        self.choice = choice.flatMap { (0..<4).contains($0) ? $0 : nil }
        self.confidenceLevel = confidenceLevel.flatMap { $0 >= 0 ? $0 : nil }
    }

    /// Choose option `i` (0...3); nil clears. Returns false when `i` is out of range.
    @discardableResult
    public mutating func choose(_ i: Int?) -> Bool {
        guard let i else { choice = nil; return true }
        guard (0..<4).contains(i) else { return false }
        choice = i
        return true
    }

    /// Choose confidence level `level` of a scale with `levels` entries.
    @discardableResult
    public mutating func setConfidence(_ level: Int, levels: Int) -> Bool {
        guard (0..<levels).contains(level) else { return false }
        confidenceLevel = level
        return true
    }

    public var isComplete: Bool { choice != nil && confidenceLevel != nil }

    /// What is still missing before Enter submits, as a sentence, or nil when complete.
    /// `levels` is the size of the confidence scale (keys 1...levels).
    public func missing(levels: Int = 5) -> String? {
        let keys = AnswerPane.confidenceKeys(levels)
        switch (choice, confidenceLevel) {
        case (nil, nil): return "Choose an option (a-d) and a confidence (\(keys)) first."
        case (nil, _): return "Choose an option (a-d) first."
        case (_, nil): return "Choose a confidence (\(keys)) first."
        default: return nil
        }
    }
}

/// Draws the answer pane: the question (QuALITY), options A-D with the chosen one marked, the
/// confidence scale with the chosen level marked, and a status line.
public enum AnswerPane {
    /// The keys of a confidence scale with `levels` levels: "1-5".
    public static func confidenceKeys(_ levels: Int) -> String { levels <= 1 ? "1" : "1-\(levels)" }

    /// Inner rows wanted for `question` at `innerWidth`, given at most `maxInner` rows.
    public static func plan(question: Question, showQuestion: Bool, innerWidth: Int, maxInner: Int)
        -> (questionLines: [String], optionLines: [[String]]) {
        let w = max(8, innerWidth)
        let optW = w - 8
        var optionLines = question.options.map { TextLayout.wrap($0, width: optW, maxLines: 1) }
        var budget = max(0, maxInner - 1 - 4)   // confidence + one line per option
        var qLines: [String] = []
        if showQuestion && budget > 0 {
            let qWanted = TextLayout.wrap(question.text, width: w - 3).count
            let qn = min(qWanted, min(3, budget))
            qLines = TextLayout.wrap(question.text, width: w - 3, maxLines: qn)
            budget -= qn
        }
        // Give options a second (and third) line while there is room.
        for extra in 2...3 {
            for i in optionLines.indices where budget > 0 {
                let full = TextLayout.wrap(question.options[i], width: optW).count
                if full >= extra && optionLines[i].count < extra {
                    optionLines[i] = TextLayout.wrap(question.options[i], width: optW, maxLines: extra)
                    budget -= 1
                }
            }
        }
        return (qLines, optionLines)
    }

    /// Inner rows the pane needs.
    public static func innerHeight(question: Question, showQuestion: Bool, innerWidth: Int, maxInner: Int) -> Int {
        let p = plan(question: question, showQuestion: showQuestion, innerWidth: innerWidth, maxInner: maxInner)
        return p.questionLines.count + p.optionLines.reduce(0) { $0 + $1.count } + 1
    }

    /// The status shown on the pane's bottom border: what is missing, a notice, or the answer
    /// ready to submit.
    public static func status(answer: AnswerState, scale: [Int], notice: String?, locked: Bool) -> (text: String, style: Style) {
        if locked {
            return ("Answers cannot be saved right now (see the message above).", Style(.danger, bold: true))
        }
        if let notice { return (notice, Style(.warning, bold: true)) }
        if let missing = answer.missing(levels: scale.count) { return (missing, Style(.dim)) }
        let conf = answer.confidenceLevel.map { scale.indices.contains($0) ? Study.confidenceLabel(scale[$0]) : "?" } ?? "-"
        return ("Your answer: \(Question.letter(answer.choice)), \(conf). Press Enter to submit.", Style(.success, bold: true))
    }

    /// Draw into `rect` (border included).
    public static func render(question: Question, answer: AnswerState, scale: [Int], showQuestion: Bool,
                              notice: String?, locked: Bool, focused: Bool, into canvas: inout Canvas, rect: Rect) {
        canvas.box(rect, title: "Your answer", focused: focused,
                   footer: status(answer: answer, scale: scale, notice: notice, locked: locked))
        let inner = rect.inner
        guard inner.width > 8, inner.height > 0 else { return }
        let p = plan(question: question, showQuestion: showQuestion, innerWidth: inner.width, maxInner: inner.height)
        var row = inner.row
        let lastRow = inner.maxRow
        for (i, l) in p.questionLines.enumerated() where row < lastRow {
            canvas.text(i == 0 ? "Q: " : "   ", col: inner.col, row: row, style: Style(.title, bold: true))
            canvas.text(l, col: inner.col + 3, row: row, maxWidth: inner.width - 3, style: Style(.normal, bold: true))
            row += 1
        }
        for (i, lines) in p.optionLines.enumerated() {
            let chosen = answer.choice == i
            let mark = chosen ? "(•)" : "( )"
            let st = chosen ? Style(.selected, bold: true) : Style.plain
            for (k, l) in lines.enumerated() where row < lastRow {
                if k == 0 {
                    canvas.text("\(mark) \(Question.letter(i)) ", col: inner.col, row: row, style: st)
                }
                canvas.text(l, col: inner.col + 8, row: row, maxWidth: inner.width - 8, style: st)
                row += 1
            }
        }
        if row < lastRow {
            var segs: [(String, Style)] = [("Confidence: ", Style(.title))]
            for (i, v) in scale.enumerated() {
                let label = "\(i + 1) " + Study.confidenceLabel(v)
                segs.append(answer.confidenceLevel == i ? ("[\(label)]", Style(.selected, bold: true)) : (" \(label) ", .plain))
                segs.append((" ", .plain))
            }
            canvas.segments(segs, col: inner.col, row: row, maxWidth: inner.width)
        }
    }
}
