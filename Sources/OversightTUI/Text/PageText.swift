import Foundation

/// One block of a text page: a paragraph, a heading, a list item or a table row.
public struct PageBlock: Sendable, Equatable {
    /// The text, on one logical line (wrapped when drawn).
    public var text: String
    public var style: Style
    /// Drawn before the first line ("• " for a list item, a padded key for a table row).
    public var lead: String
    /// Cells that continuation lines are indented by (at least the lead's width). The first
    /// line is indented only by its lead.
    public var hang: Int
    /// Whether a blank line separates this block from the one before.
    public var gapBefore: Bool

    /// A block; a paragraph by default.
    public init(_ text: String, style: Style = .plain, lead: String = "", hang: Int = 0, gapBefore: Bool = true) {
        self.text = text
        self.style = style
        self.lead = lead
        self.hang = max(hang, DisplayWidth.of(lead))
        self.gapBefore = gapBefore
    }

    /// The block's lines at `width` cells.
    public func lines(width: Int) -> [String] {
        let hang = min(self.hang, max(0, width - 8))
        let body = TextLayout.wrap(text, width: max(1, width - hang))
        let pad = String(repeating: " ", count: hang)
        return body.enumerated().map { i, l in
            (i > 0 ? pad : lead.isEmpty ? "" : lead + String(repeating: " ", count: max(0, hang - DisplayWidth.of(lead))))
                + l.text
        }
    }
}

/// Turns the light Markdown of a study's instructions file into page blocks, so the page reads
/// as prose rather than markup: paragraphs are reflowed (the file's line breaks are not the
/// screen's), `#` headings lose their marks and are drawn as titles, `-`/`*` items become
/// bulleted items with a hanging indent, `|` tables become aligned two-column rows, and
/// `**`/`__`/backtick emphasis marks are dropped.
public enum PageText {
    /// Blocks of `markdown`; `width` is the page's text width (it sizes table columns).
    public static func blocks(_ markdown: String, width: Int) -> [PageBlock] {
        var out: [PageBlock] = []
        var table: [[String]] = []
        var current: PageBlock?
        var gap = true   // a blank line (or the start) came before the next block

        func flush() {
            if let c = current { out.append(c) }
            current = nil
        }
        func flushTable() {
            guard !table.isEmpty else { return }
            out += tableBlocks(table, width: width, gapBefore: gap || out.isEmpty)
            table = []
            gap = false
        }

        for raw in markdown.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = String(raw).replacingOccurrences(of: "\r", with: "")
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty {
                flush()
                flushTable()
                gap = true
                continue
            }
            if trimmed.hasPrefix("|") {
                flush()
                let cells = trimmed.split(separator: "|", omittingEmptySubsequences: false).dropFirst()
                    .map { $0.trimmingCharacters(in: .whitespaces) }
                let row = cells.last == "" ? Array(cells.dropLast()) : Array(cells)
                let isRule = row.allSatisfy { !$0.isEmpty && $0.allSatisfy { "-:".contains($0) } }
                if !isRule { table.append(row.map(plain)) }
                continue
            }
            flushTable()
            if let heading = Markdown.heading(trimmed) {
                flush()
                out.append(PageBlock(plain(heading), style: Style(.title, bold: true), gapBefore: true))
                gap = false
                continue
            }
            if let item = Markdown.bullet(trimmed) {
                flush()
                current = PageBlock(plain(item), lead: "• ", gapBefore: gap)
                gap = false
                continue
            }
            if var c = current {
                c.text += " " + plain(trimmed)
                current = c
            } else {
                current = PageBlock(plain(trimmed), gapBefore: true)
                gap = false
            }
        }
        flush()
        flushTable()
        if let first = out.first, first.gapBefore { out[0].gapBefore = false }
        return out
    }

    /// `text` without emphasis marks.
    static func plain(_ text: String) -> String {
        text.replacingOccurrences(of: "**", with: "").replacingOccurrences(of: "__", with: "")
            .replacingOccurrences(of: "`", with: "")
    }

    /// A table as rows: the first column padded to a common width, the rest after it with a
    /// hanging indent; the header row in the title style.
    static func tableBlocks(_ rows: [[String]], width: Int, gapBefore: Bool) -> [PageBlock] {
        let keyW = min(rows.map { DisplayWidth.of($0.first ?? "") }.max() ?? 0, max(8, width / 3))
        return rows.enumerated().map { i, row in
            let key = row.first ?? ""
            let rest = row.dropFirst().filter { !$0.isEmpty }.joined(separator: " · ")
            let style = i == 0 && rows.count > 1 ? Style(.title, bold: true) : Style.plain
            if DisplayWidth.of(key) > keyW {
                // A key wider than the column: the rest goes after it, indented like the others.
                return PageBlock(key + "  " + rest, style: style, hang: keyW + 2, gapBefore: i == 0 && gapBefore)
            }
            return PageBlock(rest, style: style, lead: TextLayout.pad(key, width: keyW) + "  ", gapBefore: i == 0 && gapBefore)
        }
    }
}
