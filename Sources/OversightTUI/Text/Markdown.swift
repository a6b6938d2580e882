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
        let width = max(1, width)
        var out: [[StyledRun]] = []
        var fence: String?
        var lastBlank = true   // no blank line at the start, none doubled
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            var line = String(raw)
            if line.hasSuffix("\r") { line.removeLast() }
            line = line.replacingOccurrences(of: "\t", with: "    ")
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if let f = fence {
                if trimmed.hasPrefix(f) && trimmed.allSatisfy({ $0 == f.first }) {
                    fence = nil
                    continue
                }
                // Code keeps its spacing; a line too long for the pane wraps.
                for l in TextLayout.wrap(line, width: width) { out.append([StyledRun(l.text, codeStyle)]) }
                lastBlank = false
                continue
            }
            if trimmed.hasPrefix("```") || trimmed.hasPrefix("~~~") {
                fence = String(repeating: String(trimmed.first ?? "`"), count: 3)
                continue
            }
            if trimmed.isEmpty {
                if !lastBlank { out.append([]) }
                lastBlank = true
                continue
            }
            lastBlank = false
            if isRule(trimmed) {
                out.append([StyledRun(String(repeating: "─", count: min(width, 40)), Style(.dim))])
                continue
            }
            let indent = line.prefix { $0 == " " }.count
            if let h = heading(trimmed) {
                out += wrap(inline(h, base: headingStyle), width: width, lead: [], hang: 0)
            } else if let item = bullet(trimmed) {
                let lead = String(repeating: " ", count: min(indent, 8)) + (indent >= 2 ? "◦ " : "• ")
                out += wrap(inline(item, base: base), width: width, lead: [StyledRun(lead, base)],
                            hang: DisplayWidth.of(lead))
            } else if let (number, item) = numbered(trimmed) {
                let lead = String(repeating: " ", count: min(indent, 8)) + number + " "
                out += wrap(inline(item, base: base), width: width, lead: [StyledRun(lead, base)],
                            hang: DisplayWidth.of(lead))
            } else if trimmed.hasPrefix(">") {
                let quoted = String(trimmed.dropFirst()).trimmingCharacters(in: .whitespaces)
                out += wrap(inline(quoted, base: base), width: width, lead: [StyledRun("│ ", Style(.dim))], hang: 2,
                            repeatLead: true)
            } else {
                out += wrap(inline(line, base: base), width: width, lead: [], hang: 0)
            }
        }
        while out.last?.isEmpty == true { out.removeLast() }
        return out
    }

    // MARK: - Blocks

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
        var text = rest.trimmingCharacters(in: .whitespaces)
        // A closing run of marks ("## Title ##") is not part of the title.
        while text.hasSuffix("#") { text.removeLast() }
        return text.trimmingCharacters(in: .whitespaces)
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

    /// Runs of one line of inline Markdown.
    public static func inline(_ text: String, base: Style) -> [StyledRun] {
        let chars = Array(text)
        var tokens: [Token] = []
        var buf = ""
        func flush() {
            if !buf.isEmpty { tokens.append(.text(buf, nil)) }
            buf = ""
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
                        buf += content
                    }
                    i = next
                    continue
                }
                if n.isASCII, n.isPunctuation || n.isSymbol {
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
                    var code = String(chars[(i + n)..<close])
                    if code.count >= 2, code.first == " ", code.last == " ", code.contains(where: { $0 != " " }) {
                        code = String(code.dropFirst().dropLast())
                    }
                    tokens.append(.text(code, codeStyle))
                    i = close + n
                } else {
                    buf += String(repeating: "`", count: n)
                    i += n
                }
                continue
            }
            if c == "*" || c == "_" {
                var n = 0
                while i + n < chars.count, chars[i + n] == c { n += 1 }
                let before: Character? = i > 0 ? chars[i - 1] : nil
                let after: Character? = i + n < chars.count ? chars[i + n] : nil
                var open = after.map { !$0.isWhitespace } ?? false
                var close = before.map { !$0.isWhitespace } ?? false
                if c == "_" {
                    // Inside a word (snake_case) an underscore is a letter, not a mark.
                    open = open && !(before.map { $0.isLetter || $0.isNumber } ?? false)
                    close = close && !(after.map { $0.isLetter || $0.isNumber } ?? false)
                }
                if n <= 3, open || close {
                    flush()
                    tokens.append(.delim(c, n, open: open, close: close))
                } else {
                    buf += String(repeating: String(c), count: n)
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
    private static func command(_ chars: [Character], at i: Int) -> (String, Int, Bool)? {
        for name in ["boxed", "text"] {
            let word = Array(name)
            guard i + 1 + word.count < chars.count, Array(chars[(i + 1)..<(i + 1 + word.count)]) == word,
                  chars[i + 1 + word.count] == "{" else { continue }
            var depth = 0
            var j = i + 1 + word.count
            while j < chars.count {
                if chars[j] == "{" { depth += 1 }
                if chars[j] == "}" {
                    depth -= 1
                    if depth == 0 {
                        let content = String(chars[(i + 2 + word.count)..<j])
                        return (content, j + 1, name == "boxed")
                    }
                }
                j += 1
            }
        }
        return nil
    }

    private static func closingBackticks(_ chars: [Character], from start: Int, count: Int) -> Int? {
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
