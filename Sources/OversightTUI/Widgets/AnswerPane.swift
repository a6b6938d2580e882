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

    /// Inner rows wanted for `question` at `innerWidth`, given at most `maxInner` rows of which
    /// `confidenceRows` hold the confidence scale.
    public static func plan(question: Question, showQuestion: Bool, innerWidth: Int, maxInner: Int,
                            confidenceRows: Int = 1)
        -> (questionLines: [String], optionLines: [[String]]) {
        let w = max(8, innerWidth)
        let optW = w - 8
        var optionLines = question.options.map { TextLayout.wrap($0, width: optW, maxLines: 1) }
        var budget = max(0, maxInner - confidenceRows - 4)   // confidence + one line per option
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

    /// Inner rows the pane needs (with the confidence scale of `scale`).
    public static func innerHeight(question: Question, showQuestion: Bool, innerWidth: Int, maxInner: Int,
                                   scale: [Int] = Study.defaultConfidence) -> Int {
        let conf = confidenceRows(scale: scale, chosen: nil, width: max(8, innerWidth)).count
        let p = plan(question: question, showQuestion: showQuestion, innerWidth: innerWidth, maxInner: maxInner,
                     confidenceRows: conf)
        return p.questionLines.count + p.optionLines.reduce(0) { $0 + $1.count } + conf
    }

    /// The confidence scale as rows of segments at `width`: "Confidence:" and the levels, a
    /// level never split, continuation rows lined up under the first level.
    public static func confidenceRows(scale: [Int], chosen: Int?, width: Int) -> [[(String, Style)]] {
        let label = "Confidence: "
        let indent = DisplayWidth.of(label) + 20 <= width ? DisplayWidth.of(label) : 0
        var rows: [[(String, Style)]] = [[(label, Style(.title))]]
        var used = DisplayWidth.of(label)
        var onRow = 0
        for (i, v) in scale.enumerated() {
            let text = "\(i + 1) " + Study.confidenceLabel(v)
            let seg = chosen == i ? ("[\(text)]", Style(.selected, bold: true)) : (" \(text) ", Style.plain)
            let w = DisplayWidth.of(seg.0)
            if onRow > 0, used + w > width {
                rows.append(indent > 0 ? [(String(repeating: " ", count: indent), .plain)] : [])
                used = indent
                onRow = 0
            }
            rows[rows.count - 1] += [seg, (" ", .plain)]
            used += w + 1
            onRow += 1
        }
        return rows
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

    /// A shorter form of a status for a narrow pane (the long one would be cut).
    static func shortStatus(_ text: String, answer: AnswerState, scale: [Int]) -> String {
        let keys = confidenceKeys(scale.count)
        if text == answer.missing(levels: scale.count) || text.hasPrefix("Choose ") {
            switch (answer.choice, answer.confidenceLevel) {
            case (nil, nil): return "Choose a-d and \(keys) first."
            case (nil, _): return "Choose a-d first."
            case (_, nil): return "Choose \(keys) first."
            default: break
            }
        }
        if text.hasPrefix("Your answer: "), let level = answer.confidenceLevel, scale.indices.contains(level) {
            return "\(Question.letter(answer.choice)), \(Study.confidenceLabel(scale[level])): Enter submits."
        }
        return text
    }

    /// Where the pane's text goes inside `rect`: the inner area less a cell of space on each
    /// side, so text does not touch the border.
    public static func content(_ rect: Rect) -> Rect {
        let inner = rect.inner
        guard inner.width > 12 else { return inner }
        return Rect(col: inner.col + 1, row: inner.row, width: inner.width - 2, height: inner.height)
    }

    /// One row of the question and options: a line of the question (`option` nil) or of an
    /// option; `first` marks the first line of each.
    public struct Row: Sendable, Equatable {
        public var option: Int?
        public var first: Bool
        public var text: String
    }

    /// Every line of the question (when shown) and of the options, nothing cut.
    public static func fullRows(question: Question, showQuestion: Bool, innerWidth: Int) -> [Row] {
        let w = max(8, innerWidth)
        var rows: [Row] = []
        if showQuestion {
            for (k, l) in TextLayout.wrap(question.text, width: w - 3).enumerated() {
                rows.append(Row(option: nil, first: k == 0, text: l.text))
            }
        }
        for (i, o) in question.options.enumerated() {
            for (k, l) in TextLayout.wrap(o, width: w - 8).enumerated() {
                rows.append(Row(option: i, first: k == 0, text: l.text))
            }
        }
        return rows
    }

    /// The rows `plan` shows (lines cut to fit end in "…").
    static func plannedRows(_ p: (questionLines: [String], optionLines: [[String]])) -> [Row] {
        p.questionLines.enumerated().map { Row(option: nil, first: $0.offset == 0, text: $0.element) }
            + p.optionLines.enumerated().flatMap { i, lines in
                lines.enumerated().map { Row(option: i, first: $0.offset == 0, text: $0.element) }
            }
    }

    /// Draw into `rect` (border included). When the question and options do not fit whole, they
    /// scroll from row `top` (PgUp/PgDn), the confidence scale stays on the last row, and the
    /// border says so; otherwise the question and options are shown as `plan` lays them out.
    public static func render(question: Question, answer: AnswerState, scale: [Int], showQuestion: Bool,
                              notice: String?, locked: Bool, focused: Bool, top: Int = 0,
                              title: String = "Your answer", into canvas: inout Canvas, rect: Rect) {
        let inner = content(rect)
        let confidence = confidenceRows(scale: scale, chosen: answer.confidenceLevel, width: max(8, inner.width))
        let full = fullRows(question: question, showQuestion: showQuestion, innerWidth: inner.width)
        let planned = plannedRows(plan(question: question, showQuestion: showQuestion, innerWidth: inner.width,
                                       maxInner: inner.height, confidenceRows: confidence.count))
        let scrolls = planned != full && full.count + confidence.count > inner.height
        let window = max(1, inner.height - confidence.count)
        let first = scrolls ? max(0, min(top, full.count - window)) : 0
        var right: String?
        if scrolls {
            let above = first > 0, below = first + window < full.count
            right = above && below ? "PgUp/PgDn: more" : (below ? "PgDn: more below" : "PgUp: more above")
        }
        var footer = status(answer: answer, scale: scale, notice: notice, locked: locked)
        if DisplayWidth.of(" " + footer.text + " ") > rect.width - 4 {
            footer.text = shortStatus(footer.text, answer: answer, scale: scale)
        }
        canvas.box(rect, title: title, focused: focused, rightTitle: right, footer: footer)
        guard inner.width > 8, inner.height > 0 else { return }
        // Anything cut by the plan is shown whole: scrolled when it does not fit.
        let rows = planned != full ? Array(full[first..<min(full.count, first + window)]) : planned
        var row = inner.row
        let lastRow = scrolls ? inner.row + window : inner.maxRow
        for r in rows where row < lastRow {
            if let i = r.option {
                let chosen = answer.choice == i
                let st = chosen ? Style(.selected, bold: true) : Style.plain
                if r.first {
                    canvas.text("\(chosen ? "(•)" : "( )") \(Question.letter(i)) ", col: inner.col, row: row, style: st)
                }
                canvas.text(r.text, col: inner.col + 8, row: row, maxWidth: inner.width - 8, style: st)
            } else {
                canvas.text(r.first ? "Q: " : "   ", col: inner.col, row: row, style: Style(.title, bold: true))
                canvas.text(r.text, col: inner.col + 3, row: row, maxWidth: inner.width - 3, style: Style(.normal, bold: true))
            }
            row += 1
        }
        if scrolls { row = lastRow }
        for segs in confidence where row < inner.maxRow {
            canvas.segments(segs, col: inner.col, row: row, maxWidth: inner.width)
            row += 1
        }
    }
}
