/// One line of wrapped text.
public struct WrappedLine: Sendable, Equatable {
    /// The text shown on the line (no trailing break spaces, no newline).
    public var text: String
    /// Unicode-scalar offset, in the source text, of the line's first character.
    public var start: Int
    /// Unicode-scalar offset just past the line's last shown character.
    public var end: Int
    /// Display width of `text`.
    public var width: Int

    /// A wrapped line.
    public init(text: String, start: Int, end: Int, width: Int) {
        self.text = text
        self.start = start
        self.end = end
        self.width = width
    }
}

/// Word wrapping and truncation by display width (see `DisplayWidth`).
public enum TextLayout {
    /// Wrap `text` into lines at most `width` cells wide.
    ///
    /// Lines break at `\n` (a blank line stays a blank line) and otherwise between words; the
    /// spaces at a break are dropped. A word longer than the width is split between grapheme
    /// clusters. Every line records the Unicode-scalar offsets it covers, so a position in the
    /// text survives a change of width.
    public static func wrap(_ text: String, width: Int) -> [WrappedLine] {
        let width = max(1, width)
        var lines: [WrappedLine] = []
        var offset = 0
        var para: [(ch: Character, w: Int, off: Int)] = []
        para.reserveCapacity(256)
        var paraStart = 0
        for ch in text {
            let n = ch.unicodeScalars.count
            if ch == "\n" || ch == "\r\n" || ch == "\r" {
                wrapParagraph(para, start: paraStart, width: width, into: &lines)
                para.removeAll(keepingCapacity: true)
                offset += n
                paraStart = offset
                continue
            }
            let w = ch == "\t" ? 1 : DisplayWidth.of(ch)
            para.append((ch == "\t" ? " " : ch, w, offset))
            offset += n
        }
        wrapParagraph(para, start: paraStart, width: width, into: &lines)
        return lines
    }

    private static func wrapParagraph(_ p: [(ch: Character, w: Int, off: Int)], start: Int, width: Int,
                                      into lines: inout [WrappedLine]) {
        if p.isEmpty {
            lines.append(WrappedLine(text: "", start: start, end: start, width: 0))
            return
        }
        func endOffset(_ i: Int) -> Int { p[i].off + p[i].ch.unicodeScalars.count }
        var i = 0
        let count = p.count
        while i < count {
            // Skip spaces at the start of a continuation line (not the first line of a paragraph).
            if i > 0 { while i < count, p[i].ch == " " { i += 1 } }
            if i >= count { break }
            var w = 0
            var j = i
            var lastBreak = -1   // index of the first char after the last space run within the line
            while j < count {
                let cw = p[j].w
                if w + cw > width { break }
                w += cw
                if p[j].ch == " " { lastBreak = j + 1 }
                j += 1
            }
            var lineEnd: Int
            if j >= count {
                lineEnd = count
            } else if p[j].ch == " " {
                lineEnd = j
            } else if lastBreak > i {
                lineEnd = lastBreak
            } else {
                lineEnd = max(j, i + 1)   // a long word: split it
            }
            // Trim trailing spaces from the shown text.
            var shownEnd = lineEnd
            while shownEnd > i, p[shownEnd - 1].ch == " " { shownEnd -= 1 }
            var s = ""
            var sw = 0
            for k in i..<shownEnd { s.append(p[k].ch); sw += p[k].w }
            let e = shownEnd > i ? endOffset(shownEnd - 1) : p[i].off
            lines.append(WrappedLine(text: s, start: p[i].off, end: e, width: sw))
            i = lineEnd
        }
    }

    /// `text` cut to at most `width` cells, ending in "…" when something was cut.
    public static func truncate(_ text: String, width: Int) -> String {
        guard width > 0 else { return "" }
        if DisplayWidth.of(text) <= width { return text }
        var out = ""
        var w = 0
        for ch in text {
            let cw = DisplayWidth.of(ch)
            if w + cw > width - 1 { break }
            out.append(ch)
            w += cw
        }
        return out + "…"
    }

    /// `text` padded with spaces (or truncated) to exactly `width` cells.
    public static func pad(_ text: String, width: Int) -> String {
        let t = truncate(text, width: width)
        let w = DisplayWidth.of(t)
        return w >= width ? t : t + String(repeating: " ", count: width - w)
    }

    /// Wrap, then keep at most `maxLines` lines; the last kept line ends in "…" if text was cut.
    public static func wrap(_ text: String, width: Int, maxLines: Int) -> [String] {
        let all = wrap(text, width: width)
        guard maxLines > 0 else { return [] }
        if all.count <= maxLines { return all.map(\.text) }
        var kept = all.prefix(maxLines).map(\.text)
        let last = kept[maxLines - 1]
        kept[maxLines - 1] = DisplayWidth.of(last) + 1 <= width
            ? last + "…" : truncate(last + "…", width: width)
        return kept
    }
}
