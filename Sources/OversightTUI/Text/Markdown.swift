/// A piece of a line drawn in one style.
public struct StyledRun: Sendable, Equatable {
    public var text: String
    public var style: Style

    /// A run of `text` in `style`.
    public init(_ text: String, _ style: Style) {
        self.text = text
        self.style = style
    }
}

/// Draws the common Markdown of model replies in the chat transcript: `**bold**`, `*italics*`
/// (shown underlined, as terminals traditionally show them), `` `code` ``, `#` headings, `-`/`*`/
/// `+` and numbered list items with a hanging indent, `>` quotes, `---` rules, fenced code
/// blocks, and `\boxed{…}` (a final answer, shown bold). Only the drawing changes: the log keeps
/// the text exactly as the model sent it.
///
/// Each line of the source stays a line (models use single line breaks on purpose), lines wrap
/// between words at the given width, and a mark without its partner is shown as typed.
public enum Markdown {
    /// Style of inline code and code blocks.
    public static let codeStyle = Style(.assistant)
    /// Style of headings.
    public static let headingStyle = Style(.title, bold: true)

    /// The lines of `text` at `width` cells, each a list of runs; `base` styles plain text.
    public static func lines(_ text: String, width: Int, base: Style = .plain) -> [[StyledRun]] {
        var out: [ChatLine] = []
        append(text, width: width, indent: "", base: base, into: &out)
        return out.map { $0.runs.isEmpty ? ($0.text.isEmpty ? [] : [StyledRun($0.text, $0.style)]) : $0.runs }
    }

    /// Append the lines of `text` at `width` cells to `out`, each after `indent`: a line in one
    /// style as plain text and style (no runs: the common case costs no more than plain text),
    /// a line of mixed styles with its runs.
    static func append(_ text: String, width: Int, indent: String, base: Style, into out: inout [ChatLine]) {
        let width = max(1, width)
        let start = out.count
        func add(_ runs: [[StyledRun]]) {
            for r in runs {
                if r.count == 1 {
                    out.append((indent + r[0].text, r[0].style, []))
                } else {
                    out.append((indent + r.map(\.text).joined(), base,
                                (indent.isEmpty ? [] : [StyledRun(indent, .plain)]) + r))
                }
            }
        }
        var fence: String?
        var lastBlank = true   // no blank line at the start, none doubled
        // A streamed reply is drawn again on every chunk: one pass over its bytes tells which
        // per-line checks can be skipped, and lines are split on bytes.
        var anyTab = false, anyMarks = false
        for b in text.utf8 {
            switch b {
            case 0x09: anyTab = true
            case 0x2A, 0x5F, 0x60, 0x5C: anyMarks = true   // * _ ` \
            default: break
            }
        }
        for raw in text.utf8.split(separator: 0x0A, omittingEmptySubsequences: false) {
            var line = String(Substring(raw))
            if line.utf8.last == 0x0D { line.removeLast() }
            if anyTab, line.utf8.contains(0x09) { line = line.replacingOccurrences(of: "\t", with: "    ") }
            let spaces = line.utf8.prefix { $0 == 0x20 }.count
            let first = line.utf8.dropFirst(spaces).first
            if let f = fence {
                let trimmed = line.trimmingCharacters(in: .whitespaces)
                if trimmed.hasPrefix(f) && trimmed.allSatisfy({ $0 == f.first }) {
                    fence = nil
                    continue
                }
                // Code keeps its spacing; a line too long for the pane wraps.
                for l in TextLayout.wrap(line, width: width) { out.append((indent + l.text, codeStyle, [])) }
                lastBlank = false
                continue
            }
            guard let first, !line.utf8.allSatisfy({ $0 == 0x20 || $0 == 0x0D }) else {
                if !lastBlank { out.append((indent, base, [])) }
                lastBlank = true
                continue
            }
            lastBlank = false
            // Only a line starting with a mark can be a block other than a paragraph.
            if !"#-*+>`~_0123456789".utf8.contains(first) {
                if anyMarks, hasInlineMarks(line) {
                    add(wrap(inline(line, base: base), width: width, lead: [], hang: 0))
                } else {
                    // Plain prose (most of a reply): wrapped as is.
                    for l in TextLayout.wrap(line, width: width) { out.append((indent + l.text, base, [])) }
                }
                continue
            }
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("```") || trimmed.hasPrefix("~~~") {
                fence = String(repeating: String(trimmed.first ?? "`"), count: 3)
                continue
            }
            if isRule(trimmed) {
                out.append((indent + String(repeating: "─", count: min(width, 40)), Style(.dim), []))
                continue
            }
            if let h = heading(trimmed) {
                add(wrap(inline(h, base: headingStyle), width: width, lead: [], hang: 0))
            } else if let item = bullet(trimmed) {
                let lead = String(repeating: " ", count: min(spaces, 8)) + (spaces >= 2 ? "◦ " : "• ")
                add(wrap(inline(item, base: base), width: width, lead: [StyledRun(lead, base)],
                         hang: DisplayWidth.of(lead)))
            } else if let (number, item) = numbered(trimmed) {
                let lead = String(repeating: " ", count: min(spaces, 8)) + number + " "
                add(wrap(inline(item, base: base), width: width, lead: [StyledRun(lead, base)],
                         hang: DisplayWidth.of(lead)))
            } else if trimmed.hasPrefix(">") {
                let quoted = String(trimmed.dropFirst()).trimmingCharacters(in: .whitespaces)
                add(wrap(inline(quoted, base: base), width: width, lead: [StyledRun("│ ", Style(.dim))], hang: 2,
                         repeatLead: true))
            } else {
                add(wrap(inline(line, base: base), width: width, lead: [], hang: 0))
            }
        }
        // No blank line at the end.
        while out.count > start, let last = out.last, last.runs.isEmpty, last.text == indent { out.removeLast() }
    }

    // MARK: - Blocks

    /// Whether `line` holds a character that can start inline Markdown.
    static func hasInlineMarks(_ line: String) -> Bool {
        line.utf8.contains { $0 == 0x2A || $0 == 0x5F || $0 == 0x60 || $0 == 0x5C }   // * _ ` \
    }

    static func isRule(_ line: String) -> Bool {
        let chars = line.filter { $0 != " " }
        guard chars.count >= 3, let c = chars.first, "-*_".contains(c) else { return false }
        return chars.allSatisfy { $0 == c }
    }

    static func heading(_ line: String) -> String? {
        let marks = line.prefix { $0 == "#" }.count
        guard (1...6).contains(marks) else { return nil }
        let rest = line.dropFirst(marks)
        guard rest.first == " " else { return nil }
        let text = rest.trimmingCharacters(in: .whitespaces)
        // A closing run of marks after a space ("## Title ##") is not part of the title; "C#" is.
        let closing = text.reversed().prefix { $0 == "#" }.count
        if closing == text.count { return "" }
        if closing > 0, text.dropLast(closing).last == " " {
            return text.dropLast(closing).trimmingCharacters(in: .whitespaces)
        }
        return text
    }

    static func bullet(_ line: String) -> String? {
        for mark in ["- ", "* ", "+ "] where line.hasPrefix(mark) {
            return String(line.dropFirst(2)).trimmingCharacters(in: .whitespaces)
        }
        return nil
    }

    /// "1. text" or "1) text": the number with its mark, and the text.
    static func numbered(_ line: String) -> (String, String)? {
        let digits = line.prefix { $0.isASCII && $0.isNumber }
        guard !digits.isEmpty, digits.count <= 3 else { return nil }
        let rest = line.dropFirst(digits.count)
        guard let mark = rest.first, mark == "." || mark == ")", rest.dropFirst().first == " " else { return nil }
        return (String(digits) + String(mark), rest.dropFirst(2).trimmingCharacters(in: .whitespaces))
    }

    /// Wrap runs at `width`: the first line starts with `lead`, later lines are indented by
    /// `hang` cells (or start with `lead` again when `repeatLead`).
    static func wrap(_ runs: [StyledRun], width: Int, lead: [StyledRun], hang: Int,
                     repeatLead: Bool = false) -> [[StyledRun]] {
        let hang = min(hang, max(0, width - 8))
        // Scalar ranges of the runs in the joined text.
        var scalars: [Unicode.Scalar] = []
        var bounds: [(end: Int, style: Style)] = []
        for r in runs {
            scalars.append(contentsOf: r.text.unicodeScalars)
            bounds.append((scalars.count, r.style))
        }
        var joined = String.UnicodeScalarView()
        joined.append(contentsOf: scalars)
        let lines = TextLayout.wrap(String(joined), width: max(1, width - hang))
        var out: [[StyledRun]] = []
        out.reserveCapacity(lines.count)
        let pad = [StyledRun(String(repeating: " ", count: hang), .plain)]
        for (i, l) in lines.enumerated() {
            var line: [StyledRun] = i == 0 || repeatLead ? lead : (hang > 0 ? pad : [])
            var pos = l.start
            var k = 0
            while k < bounds.count, bounds[k].end <= pos { k += 1 }
            while pos < l.end, k < bounds.count {
                let end = min(l.end, bounds[k].end)
                if end > pos {
                    var piece = String.UnicodeScalarView()
                    piece.append(contentsOf: scalars[pos..<end])
                    line.append(StyledRun(String(piece), bounds[k].style))
                }
                pos = end
                k += 1
            }
            out.append(line)
        }
        return out
    }

    // MARK: - Inline

    private enum Token {
        case text(String, Style?)
        /// A run of `*` or `_`: its character, length, and whether it may open or close.
        case delim(Character, Int, open: Bool, close: Bool)
    }

    /// Runs of one line of inline Markdown. Works on Unicode scalars: every mark is ASCII, and
    /// a combining mark stays with the text it follows.
    public static func inline(_ text: String, base: Style) -> [StyledRun] {
        let chars = Array(text.unicodeScalars)
        var tokens: [Token] = []
        var buf = String.UnicodeScalarView()
        func flush() {
            if !buf.isEmpty { tokens.append(.text(String(buf), nil)) }
            buf = String.UnicodeScalarView()
        }
        func isSpace(_ c: Unicode.Scalar?) -> Bool { c.map { $0.properties.isWhitespace } ?? true }
        func isWordChar(_ c: Unicode.Scalar?) -> Bool {
            guard let c else { return false }
            return c.properties.isAlphabetic || c.properties.numericType != nil
        }
        var i = 0
        while i < chars.count {
            let c = chars[i]
            if c == "\\", i + 1 < chars.count {
                let n = chars[i + 1]
                if let (content, next, strong) = command(chars, at: i) {
                    flush()
                    if strong {
                        var st = base
                        st.bold = true
                        tokens.append(.text(content, st))
                    } else {
                        buf.append(contentsOf: content.unicodeScalars)
                    }
                    i = next
                    continue
                }
                if n.isASCII, n.properties.generalCategory.isPunctuationOrSymbol {
                    // An escaped mark is shown as itself.
                    buf.append(n)
                    i += 2
                    continue
                }
            }
            if c == "`" {
                var n = 0
                while i + n < chars.count, chars[i + n] == "`" { n += 1 }
                if let close = closingBackticks(chars, from: i + n, count: n) {
                    flush()
                    var code = String.UnicodeScalarView()
                    code.append(contentsOf: chars[(i + n)..<close])
                    var str = String(code)
                    if str.count >= 2, str.first == " ", str.last == " ", str.contains(where: { $0 != " " }) {
                        str = String(str.dropFirst().dropLast())
                    }
                    tokens.append(.text(str, codeStyle))
                    i = close + n
                } else {
                    buf.append(contentsOf: chars[i..<(i + n)])
                    i += n
                }
                continue
            }
            if c == "*" || c == "_" {
                var n = 0
                while i + n < chars.count, chars[i + n] == c { n += 1 }
                let before: Unicode.Scalar? = i > 0 ? chars[i - 1] : nil
                let after: Unicode.Scalar? = i + n < chars.count ? chars[i + n] : nil
                var open = !isSpace(after)
                var close = !isSpace(before)
                if c == "_" {
                    // Inside a word (snake_case) an underscore is a letter, not a mark.
                    open = open && !isWordChar(before)
                    close = close && !isWordChar(after)
                }
                if n <= 3, open || close {
                    flush()
                    tokens.append(.delim(Character(c), n, open: open, close: close))
                } else {
                    buf.append(contentsOf: chars[i..<(i + n)])
                }
                i += n
                continue
            }
            buf.append(c)
            i += 1
        }
        flush()
        return resolve(tokens, base: base)
    }

    /// `\boxed{…}` and `\text{…}` at `i`: the content, the index after the closing brace, and
    /// whether the content is shown bold (a boxed answer).
    private static func command(_ chars: [Unicode.Scalar], at i: Int) -> (String, Int, Bool)? {
        for name in ["boxed", "text"] {
            let word = Array(name.unicodeScalars)
            guard i + 1 + word.count < chars.count, Array(chars[(i + 1)..<(i + 1 + word.count)]) == word,
                  chars[i + 1 + word.count] == "{" else { continue }
            var depth = 0
            var j = i + 1 + word.count
            while j < chars.count {
                if chars[j] == "{" { depth += 1 }
                if chars[j] == "}" {
                    depth -= 1
                    if depth == 0 {
                        var content = String.UnicodeScalarView()
                        content.append(contentsOf: chars[(i + 2 + word.count)..<j])
                        return (String(content), j + 1, name == "boxed")
                    }
                }
                j += 1
            }
        }
        return nil
    }

    private static func closingBackticks(_ chars: [Unicode.Scalar], from start: Int, count: Int) -> Int? {
        var j = start
        while j < chars.count {
            if chars[j] == "`" {
                var n = 0
                while j + n < chars.count, chars[j + n] == "`" { n += 1 }
                if n == count { return j }
                j += n
            } else {
                j += 1
            }
        }
        return nil
    }

    /// Pair the emphasis marks (same character, same length; the nearest opener) and turn the
    /// tokens into runs. Marks left without a partner are shown as typed.
    private static func resolve(_ tokens: [Token], base: Style) -> [StyledRun] {
        var matched = [Bool](repeating: false, count: tokens.count)
        var openers: [Int] = []
        for (i, t) in tokens.enumerated() {
            guard case .delim(let c, let n, let open, let close) = t else { continue }
            if close, let k = openers.lastIndex(where: {
                if case .delim(let oc, let on, _, _) = tokens[$0] { return oc == c && on == n }
                return false
            }) {
                matched[openers[k]] = true
                matched[i] = true
                openers.removeSubrange(k...)
                continue
            }
            if open { openers.append(i) }
        }
        var runs: [StyledRun] = []
        var bold = false, italic = false
        func style() -> Style {
            var s = base
            if bold { s.bold = true }
            if italic { s.underline = true }
            return s
        }
        func add(_ text: String, _ st: Style) {
            if let last = runs.last, last.style == st {
                runs[runs.count - 1].text += text
            } else {
                runs.append(StyledRun(text, st))
            }
        }
        for (i, t) in tokens.enumerated() {
            switch t {
            case .text(let s, let fixed):
                var st = fixed ?? style()
                if fixed != nil, italic { st.underline = true }
                if fixed != nil, bold { st.bold = true }
                add(s, st)
            case .delim(let c, let n, _, _):
                if matched[i] {
                    if n >= 2 { bold.toggle() }
                    if n != 2 { italic.toggle() }
                } else {
                    add(String(repeating: String(c), count: n), style())
                }
            }
        }
        return runs
    }
}

extension Unicode.GeneralCategory {
    /// Punctuation or a symbol: what a backslash escapes in Markdown.
    var isPunctuationOrSymbol: Bool {
        switch self {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation, .initialPunctuation,
             .finalPunctuation, .otherPunctuation, .mathSymbol, .currencySymbol, .modifierSymbol, .otherSymbol:
            return true
        default:
            return false
        }
    }
}
