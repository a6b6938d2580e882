import OversightCore

/// One speech of a consultant or debater as the judge sees it: the text with its
/// `<quote>…</quote>` spans, which of them verified against the passage (in order), and
/// whether the speech was cut at the block's character limit.
public struct Speech: Sendable, Equatable {
    /// "Debater A", "Debater B", "Consultant".
    public var speaker: String
    /// What the speaker defends, e.g. "argues for B".
    public var stance: String
    public var text: String
    /// One flag per quote, in order of appearance; a quote without a flag counts as unverified.
    public var verified: [Bool]
    public var cut: Bool
    /// Which speaker palette the label and rule use (0: first debater, 1: second).
    public var side: Int

    public init(speaker: String, stance: String, text: String, verified: [Bool], cut: Bool, side: Int) {
        self.speaker = speaker
        self.stance = stance
        self.text = text
        self.verified = verified
        self.cut = cut
        self.side = side
    }
}

/// Marks and styles of quotes in speeches. A verified quote reads `✓“…”` underlined and bold;
/// an unverified one `✗[…]` dimmed: the mark and the brackets tell them apart without colour.
public enum QuoteMarkup {
    public static let verifiedMark = "✓"
    public static let unverifiedMark = "✗"
    /// Appended to a speech cut at the character limit.
    public static let cutMark = " ✂ [cut at the length limit]"

    /// A piece of a speech: plain text or a quote.
    public enum Segment: Sendable, Equatable {
        case text(String)
        case quote(String, verified: Bool)
    }

    /// Split `text` at `<quote>…</quote>` tags, found as the quote check finds them (in any
    /// letter case); the n-th quote takes `verified[n]` (false when missing). An opening tag
    /// without a closing one quotes the rest of the text.
    public static func segments(_ text: String, verified: [Bool]) -> [Segment] {
        var out: [Segment] = []
        var rest = Substring(text)
        var n = 0
        while let open = rest.range(of: QuoteVerifier.open, options: .caseInsensitive) {
            if open.lowerBound > rest.startIndex { out.append(.text(String(rest[..<open.lowerBound]))) }
            let after = rest[open.upperBound...]
            let close = after.range(of: QuoteVerifier.close, options: .caseInsensitive)
            let body = close.map { after[..<$0.lowerBound] } ?? after
            out.append(.quote(String(body), verified: verified.indices.contains(n) && verified[n]))
            n += 1
            rest = close.map { after[$0.upperBound...] } ?? ""
        }
        if !rest.isEmpty { out.append(.text(String(rest))) }
        return out
    }

    /// The styles of the two kinds of quote.
    public static func style(verified: Bool) -> Style {
        verified ? Style(.success, bold: true, underline: true) : Style(.dim)
    }

    /// The speech as display text with one style per Unicode scalar of that text.
    public static func styled(_ speech: Speech) -> (text: String, styles: [Style]) {
        var text = ""
        var styles: [Style] = []
        func add(_ s: String, _ st: Style) {
            text += s
            styles += Array(repeating: st, count: s.unicodeScalars.count)
        }
        for seg in segments(speech.text, verified: speech.verified) {
            switch seg {
            case .text(let t): add(t, .plain)
            case .quote(let q, let ok):
                let st = style(verified: ok)
                add(ok ? verifiedMark + "“" : unverifiedMark + "[", st)
                add(q, st)
                add(ok ? "”" : "]", st)
            }
        }
        if speech.cut { add(cutMark, Style(.warning, bold: true)) }
        return (text, styles)
    }

    /// The speech wrapped at `width`, as rows of styled segments.
    public static func lines(_ speech: Speech, width: Int) -> [[(String, Style)]] {
        let (text, styles) = styled(speech)
        return TextLayout.wrap(text, width: width).map { line in
            var row: [(String, Style)] = []
            var offset = line.start
            for ch in line.text {
                let st = styles.indices.contains(offset) ? styles[offset] : .plain
                if let last = row.last, last.1 == st {
                    row[row.count - 1].0.append(ch)
                } else {
                    row.append((String(ch), st))
                }
                offset += ch.unicodeScalars.count
            }
            return row
        }
    }
}

/// Draws the speeches of a round: side by side when the rect is wide enough for two readable
/// columns, else one above the other. Each speech has a labelled border ("Debater A · argues for
/// B") in its speaker's role, and a "▌"/"▐" rule (visible without colour) marks which column is
/// whose.
public enum SpeechView {
    /// Least width of one column for the side-by-side layout.
    public static let minColumnWidth = 50

    /// True when `speeches` are laid out side by side in `rect`.
    public static func sideBySide(count: Int, rect: Rect) -> Bool {
        count > 1 && rect.width >= count * minColumnWidth
    }

    /// The rects of `count` speeches in `rect`.
    public static func rects(count: Int, rect: Rect) -> [Rect] {
        guard count > 0 else { return [] }
        if sideBySide(count: count, rect: rect) {
            let w = rect.width / count
            return (0..<count).map { k in
                Rect(col: rect.col + k * w, row: rect.row, width: k == count - 1 ? rect.width - k * w : w, height: rect.height)
            }
        }
        let h = rect.height / count
        return (0..<count).map { k in
            Rect(col: rect.col, row: rect.row + k * h, width: rect.width, height: k == count - 1 ? rect.height - k * h : h)
        }
    }

    /// The style of a speaker's label and rule.
    public static func speakerStyle(side: Int) -> Style {
        side == 0 ? Style(.user, bold: true) : Style(.assistant, bold: true)
    }

    /// Rule character of a side: "▌" for the first, "▐" for the second.
    public static func rule(side: Int) -> String { side == 0 ? "▌" : "▐" }

    /// Draw `speeches` into `rect`, each scrolled to its own first row `tops[k]` (0 when absent).
    /// `title` heads the whole area (e.g. "Round 2 of at most 3"). With no speeches, `waiting`
    /// is shown instead.
    public static func render(_ speeches: [Speech], title: String, tops: [Int] = [], waiting: String?,
                              focused: Bool, into canvas: inout Canvas, rect: Rect) {
        guard !speeches.isEmpty else {
            canvas.box(rect, title: title, focused: focused)
            if let waiting {
                let inner = AnswerPane.content(rect)
                for (k, l) in TextLayout.wrap(waiting, width: max(1, inner.width)).enumerated() where k < inner.height {
                    canvas.text(l.text, col: inner.col, row: inner.row + k, maxWidth: inner.width, style: Style(.dim))
                }
            }
            return
        }
        for (k, (speech, r)) in zip(speeches, rects(count: speeches.count, rect: rect)).enumerated() {
            let heading = speech.stance.isEmpty ? speech.speaker : "\(speech.speaker) · \(speech.stance)"
            let t = k == 0 ? "\(title) · \(heading)" : heading
            let top = tops.indices.contains(k) ? tops[k] : 0
            draw(speech, title: t, top: top, focused: focused, into: &canvas, rect: r)
        }
    }

    /// Rows a speech needs at the width of `rect` (for scrolling).
    public static func rowCount(_ speech: Speech, rect: Rect) -> Int {
        QuoteMarkup.lines(speech, width: textWidth(rect)).count
    }

    static func textWidth(_ rect: Rect) -> Int { max(1, AnswerPane.content(rect).width - 2) }

    static func draw(_ speech: Speech, title: String, top: Int, focused: Bool, into canvas: inout Canvas, rect: Rect) {
        let lines = QuoteMarkup.lines(speech, width: textWidth(rect))
        let inner = AnswerPane.content(rect)
        let first = max(0, min(top, lines.count - inner.height))
        let more = first + inner.height < lines.count ? "↓ more" : (first > 0 ? "↑ more" : nil)
        canvas.box(rect, title: title, focused: focused, rightTitle: more)
        guard inner.width > 4, inner.height > 0 else { return }
        let st = speakerStyle(side: speech.side)
        for y in 0..<inner.height {
            canvas.text(rule(side: speech.side), col: inner.col, row: inner.row + y, style: st)
            let i = first + y
            guard lines.indices.contains(i) else { continue }
            canvas.segments(lines[i], col: inner.col + 2, row: inner.row + y, maxWidth: inner.width - 2)
        }
    }
}
