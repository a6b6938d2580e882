import Foundation

/// Wrapped lines of a text for one width, memoised: wrapping a 5,000-word article on every key
/// press would be wasteful. Shared by reference between copies of the state that owns it.
public final class WrapCache: @unchecked Sendable {
    private let lock = NSLock()
    private var key: (text: String, width: Int)?
    private var lines: [WrappedLine] = []

    /// An empty cache.
    public init() {}

    /// Lines of `text` wrapped at `width` (cached for the last text and width asked for).
    public func lines(_ text: String, width: Int) -> [WrappedLine] {
        lock.lock()
        defer { lock.unlock() }
        if let k = key, k.width == width, k.text == text { return lines }
        lines = TextLayout.wrap(text, width: width)
        key = (text, width)
        return lines
    }
}

/// Scroll and search state of the passage pane (or the question pane for MMLU).
///
/// The position is an anchor in the text (`topOffset`, a Unicode-scalar offset of the first
/// character on the top line), not a line number, so resizing reflows without losing the place.
/// All operations clamp: the top line stays within `0...max(0, lines - rows)`.
public struct PassageViewState: Sendable, Equatable {
    /// Unicode-scalar offset of the first character of the top visible line.
    public var topOffset: Int = 0
    /// Last search query ("" = none).
    public var query: String = ""
    /// Matches of `query` as Unicode-scalar ranges, in text order.
    public var matches: [Range<Int>] = []
    /// Index into `matches` of the current match.
    public var currentMatch: Int?
    /// The search prompt being typed, when open.
    public var searchPrompt: ChatInputState?
    /// The verified quote highlighted by the quote-jump key, as a Unicode-scalar range.
    public var quote: Range<Int>?

    /// At the top of the text, no search.
    public init() {}

    /// Index of the line holding `offset` (the last line starting at or before it).
    public static func lineIndex(of offset: Int, in lines: [WrappedLine]) -> Int {
        guard !lines.isEmpty else { return 0 }
        var lo = 0, hi = lines.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if lines[mid].start <= offset { lo = mid } else { hi = mid - 1 }
        }
        return lo
    }

    /// Largest valid top line for a pane of `rows` rows.
    public static func maxTop(lines: Int, rows: Int) -> Int { max(0, lines - max(1, rows)) }

    /// The top line to draw, clamped.
    public func topLine(_ lines: [WrappedLine], rows: Int) -> Int {
        min(Self.lineIndex(of: topOffset, in: lines), Self.maxTop(lines: lines.count, rows: rows))
    }

    /// Put `line` (clamped) at the top.
    public mutating func setTop(_ line: Int, _ lines: [WrappedLine], rows: Int) {
        guard !lines.isEmpty else { topOffset = 0; return }
        let l = max(0, min(line, Self.maxTop(lines: lines.count, rows: rows)))
        topOffset = lines[l].start
    }

    /// Scroll by `delta` lines (negative = up).
    public mutating func scroll(by delta: Int, _ lines: [WrappedLine], rows: Int) {
        setTop(topLine(lines, rows: rows) + delta, lines, rows: rows)
    }

    /// Scroll a page (keeping one line of overlap); `direction` is +1 or -1.
    public mutating func page(_ direction: Int, _ lines: [WrappedLine], rows: Int) {
        scroll(by: direction * max(1, rows - 1), lines, rows: rows)
    }

    /// Scroll to the start.
    public mutating func home() { topOffset = 0 }

    /// Scroll so the last line is at the bottom.
    public mutating func end(_ lines: [WrappedLine], rows: Int) {
        setTop(Self.maxTop(lines: lines.count, rows: rows), lines, rows: rows)
    }

    /// Run a search for `query` (case-insensitive) over `text`, and jump to the first match at
    /// or after the top of the view (wrapping to the first). Returns the number of matches.
    @discardableResult
    public mutating func search(_ query: String, in text: String, _ lines: [WrappedLine], rows: Int) -> Int {
        self.query = query
        matches = Self.find(query, in: text)
        guard !matches.isEmpty else { currentMatch = nil; return 0 }
        let first = matches.firstIndex { $0.lowerBound >= topOffset } ?? 0
        currentMatch = first
        reveal(matches[first].lowerBound, lines, rows: rows)
        return matches.count
    }

    /// Move to the next (`+1`) or previous (`-1`) match, wrapping around.
    public mutating func nextMatch(_ direction: Int, _ lines: [WrappedLine], rows: Int) {
        guard !matches.isEmpty else { return }
        let n = matches.count
        let cur = currentMatch ?? (direction > 0 ? -1 : 0)
        let next = ((cur + direction) % n + n) % n
        currentMatch = next
        reveal(matches[next].lowerBound, lines, rows: rows)
    }

    /// Scroll so `offset` is visible, a few lines below the top when moving.
    public mutating func reveal(_ offset: Int, _ lines: [WrappedLine], rows: Int) {
        let line = Self.lineIndex(of: offset, in: lines)
        let top = topLine(lines, rows: rows)
        if line < top || line >= top + rows {
            setTop(line - min(2, rows / 3), lines, rows: rows)
        }
    }

    /// Highlight the first of `quotes` (verified quote ranges) that starts after the one
    /// highlighted now, wrapping to the first, and scroll it into view. Returns false when there
    /// is none.
    @discardableResult
    public mutating func nextQuote(_ quotes: [Range<Int>], _ lines: [WrappedLine], rows: Int) -> Bool {
        let sorted = quotes.filter { !$0.isEmpty }.sorted { $0.lowerBound < $1.lowerBound }
        guard let first = sorted.first else { return false }
        let next = quote.flatMap { cur in sorted.first { $0.lowerBound > cur.lowerBound } } ?? first
        quote = next
        reveal(next.lowerBound, lines, rows: rows)
        return true
    }

    /// Case-insensitive matches of `query` in `text`, as Unicode-scalar ranges.
    public static func find(_ query: String, in text: String) -> [Range<Int>] {
        guard !query.isEmpty else { return [] }
        var out: [Range<Int>] = []
        var searchStart = text.startIndex
        var lastIndex = text.startIndex
        var lastOffset = 0
        let scalars = text.unicodeScalars
        while searchStart < text.endIndex,
              let r = text.range(of: query, options: [.caseInsensitive, .diacriticInsensitive],
                                 range: searchStart..<text.endIndex) {
            let lo = lastOffset + scalars.distance(from: lastIndex, to: r.lowerBound)
            let hi = lo + scalars.distance(from: r.lowerBound, to: r.upperBound)
            out.append(lo..<hi)
            lastIndex = r.lowerBound
            lastOffset = lo
            searchStart = r.upperBound > r.lowerBound ? r.upperBound : text.index(after: r.lowerBound)
        }
        return out
    }

    /// "line 120/840, 14%": top line, total lines, and how much has been seen.
    public func positionLabel(_ lines: [WrappedLine], rows: Int) -> String {
        let total = max(1, lines.count)
        let top = topLine(lines, rows: rows)
        let seen = min(total, top + rows)
        return "line \(top + 1)/\(total), \(seen * 100 / total)%"
    }
}

/// Draws the passage pane: wrapped text, highlighted search matches, a position label on the
/// border and the search prompt on the last inner row while it is open.
public enum PassageView {
    /// Draw into `rect` (border included).
    public static func render(_ state: PassageViewState, text: String, lines: [WrappedLine], title: String,
                              focused: Bool, into canvas: inout Canvas, rect: Rect) {
        let inner = rect.inner
        let rows = textRows(state, inner: inner)
        // The position goes on the bottom edge, so the title keeps the top edge to itself.
        canvas.box(rect, title: title, focused: focused,
                   rightFooter: positionLabel(state, lines: lines, rows: rows, width: rect.width))
        guard inner.width > 0, inner.height > 0 else { return }
        let top = state.topLine(lines, rows: rows)
        let textW = textWidth(inner: inner)
        let textCol = inner.col + (inner.width - textW) / 2
        let current = state.currentMatch.flatMap { state.matches.indices.contains($0) ? state.matches[$0] : nil }
        var m = state.matches.firstIndex { $0.upperBound > (lines.indices.contains(top) ? lines[top].start : 0) } ?? state.matches.count
        for r in 0..<rows {
            let li = top + r
            guard li < lines.count else { break }
            let line = lines[li]
            while m < state.matches.count, state.matches[m].upperBound <= line.start { m += 1 }
            let quoted = state.quote.map { $0.overlaps(line.start..<max(line.start, line.end)) } ?? false
            if !quoted, m >= state.matches.count || state.matches[m].lowerBound >= line.end {
                // No match on this line: draw it in one go.
                canvas.text(line.text, col: textCol, row: inner.row + r, maxWidth: textW)
                continue
            }
            var x = 0
            var off = line.start
            for ch in line.text {
                let w = DisplayWidth.of(ch)
                while m < state.matches.count, state.matches[m].upperBound <= off { m += 1 }
                var style = Style.plain
                if let q = state.quote, q.contains(off) {
                    // A verified quote the judge jumped to: reversed and bold, like no search match.
                    style = Style(.success, bold: true, reverse: true)
                } else if m < state.matches.count, state.matches[m].contains(off) {
                    style = state.matches[m] == current ? Style(.currentMatch, reverse: true) : Style(.highlight, underline: true)
                }
                if w > 0 {
                    if x + w > textW { break }
                    canvas.text(String(ch), col: textCol + x, row: inner.row + r, style: style)
                    x += w
                }
                off += ch.unicodeScalars.count
            }
        }
        if let prompt = state.searchPrompt {
            let row = inner.row + inner.height - 1
            canvas.fill(Rect(col: inner.col, row: row, width: inner.width, height: 1), style: Style(.statusBar))
            // Lined up with the text column (centred on a wide pane).
            let label = "Search: "
            canvas.text(label, col: textCol, row: row, style: Style(.statusBar, bold: true))
            let fieldW = textW - DisplayWidth.of(label) - 1
            let (shown, cursorCol) = prompt.singleLine(width: fieldW)
            canvas.text(shown, col: textCol + DisplayWidth.of(label), row: row, maxWidth: fieldW, style: Style(.statusBar))
            if focused { canvas.setCursor(col: textCol + DisplayWidth.of(label) + cursorCol, row: row) }
        } else if !state.query.isEmpty {
            let row = inner.row + inner.height - 1
            let info = state.matches.isEmpty
                ? "No match for \"\(state.query)\""
                : "Match \((state.currentMatch ?? 0) + 1)/\(state.matches.count) for \"\(state.query)\" · n/N moves"
            canvas.fill(Rect(col: inner.col, row: row, width: inner.width, height: 1), style: Style(.statusBar))
            canvas.text(TextLayout.truncate(info, width: textW), col: textCol, row: row, style: Style(.statusBar))
        }
    }

    /// The label on the pane's bottom border: "line 19/277, 9%", or just "9%" on a pane too
    /// narrow for it; none when the whole text is in view (a short question).
    static func positionLabel(_ state: PassageViewState, lines: [WrappedLine], rows: Int, width: Int) -> String? {
        if lines.count <= rows { return nil }
        let full = state.positionLabel(lines, rows: rows)
        // As `Canvas.box` lays out the bottom edge: corners and a cell of rule each side, the
        // label padded by a space.
        if DisplayWidth.of(full) + 2 <= width - 4 { return full }
        let total = max(1, lines.count)
        let seen = min(total, state.topLine(lines, rows: rows) + rows)
        return "\(seen * 100 / total)%"
    }

    /// Longest text line, in cells: wider lines are hard to read, so on a wide pane the text is a
    /// centred column.
    public static let maxTextWidth = 100

    /// Width the text is wrapped at inside a pane whose inner area is `inner`: a cell of space
    /// is kept on each side, so the text does not touch the border.
    public static func textWidth(inner: Rect) -> Int { max(1, min(inner.width - 2, maxTextWidth)) }

    /// Rows available for text inside `inner` (one less while a search line is shown).
    public static func textRows(_ state: PassageViewState, inner: Rect) -> Int {
        max(1, inner.height - ((state.searchPrompt != nil || !state.query.isEmpty) ? 1 : 0))
    }
}
