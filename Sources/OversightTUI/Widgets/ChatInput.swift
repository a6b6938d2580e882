/// An editable line of text with a cursor, edited by grapheme cluster: Left/Right/Backspace/
/// Delete move over or remove a whole "é", "日" or "👩‍💻", never half of one. The cursor is a
/// count of `Character`s from the start and is always clamped to `0...text.count`.
public struct ChatInputState: Sendable, Equatable {
    public private(set) var text: String = ""
    /// Cursor position in grapheme clusters.
    public private(set) var cursor: Int = 0

    /// A field holding `text` with the cursor at its end.
    public init(text: String = "") {
        self.text = text
        cursor = text.count
    }

    public var isEmpty: Bool { text.isEmpty }

    /// Characters refused because the field was full, since it last had room (shown in the
    /// field, so a paste cut short is never a surprise).
    public private(set) var refused: Int = 0

    /// Longest text accepted, in clusters (a pasted novel stops here).
    public static let maxLength = 4000

    /// Insert a character at the cursor. A combining mark joins the cluster before it. Refused
    /// (and counted in `refused`) once the text holds `maxLength` clusters.
    public mutating func insert(_ c: Character) {
        guard text.count < Self.maxLength else {
            refused += 1
            return
        }
        let i = text.index(text.startIndex, offsetBy: cursor)
        let before = String(text[..<i]) + String(c)
        text = before + text[i...]
        cursor = min(before.count, text.count)
    }

    /// Insert a string at the cursor.
    public mutating func insert(_ s: String) { for c in s { insert(c) } }

    /// Remove the cluster before the cursor.
    public mutating func backspace() {
        guard cursor > 0 else { return }
        refused = 0
        let i = text.index(text.startIndex, offsetBy: cursor - 1)
        text.remove(at: i)
        cursor -= 1
    }

    /// Remove the cluster under the cursor.
    public mutating func delete() {
        guard cursor < text.count else { return }
        refused = 0
        let i = text.index(text.startIndex, offsetBy: cursor)
        text.remove(at: i)
    }

    /// Move the cursor one cluster left.
    public mutating func left() { cursor = max(0, cursor - 1) }
    /// Move the cursor one cluster right.
    public mutating func right() { cursor = min(text.count, cursor + 1) }
    /// Move the cursor to the start.
    public mutating func home() { cursor = 0 }
    /// Move the cursor to the end.
    public mutating func end() { cursor = text.count }

    /// Empty the field.
    public mutating func clear() {
        text = ""
        cursor = 0
        refused = 0
    }

    /// Apply an editing key; returns false when the key is not an editing key.
    public mutating func handle(_ key: Key) -> Bool {
        switch key {
        case .char(let c): insert(c)
        case .backspace: backspace()
        case .delete: delete()
        case .left: left()
        case .right: right()
        case .home: home()
        case .end: end()
        default: return false
        }
        return true
    }

    /// The text broken into rows of at most `width` cells, and the cursor's (row, column).
    ///
    /// Rows break between words, as the transcript does: the spaces after a word stay on its
    /// row (they may hang past the edge, where they are not drawn) and the next word starts the
    /// next row; only a word longer than a whole row is split, between clusters. Every cluster
    /// is on exactly one row, so the cursor maps exactly. A cursor past the last cell of a row
    /// shows at its last cell, or at the start of the next row when the cursor is at the end.
    public func rows(width: Int) -> (rows: [String], cursorRow: Int, cursorCol: Int) {
        let width = max(1, width)
        // The clusters and their widths, in one pass (ASCII without grapheme breaking).
        let cells: [(Character, Int)]
        if text.utf8.allSatisfy({ $0 < 0x80 && $0 != 0x0D }) {
            cells = text.utf8.map { (Character(UnicodeScalar($0)), ($0 < 0x20 || $0 == 0x7F) ? 0 : 1) }
        } else {
            cells = text.map { ($0, DisplayWidth.of($0)) }
        }
        var rows: [String] = [""]
        var w = 0
        var cRow = 0, cCol = 0
        var i = 0
        func place(_ k: Int) {
            if k == cursor { cRow = rows.count - 1; cCol = w }
            rows[rows.count - 1].append(cells[k].0)
            w += cells[k].1
        }
        while i < cells.count {
            // One token: a word (non-space clusters) and the spaces after it.
            var j = i
            var wordW = 0
            while j < cells.count, cells[j].0 != " " {
                wordW += cells[j].1
                j += 1
            }
            if w > 0, wordW > 0, w + wordW > width {
                rows.append("")
                w = 0
            }
            while i < j {
                if w > 0, w + cells[i].1 > width {
                    // A word longer than a row: split it.
                    rows.append("")
                    w = 0
                }
                place(i)
                i += 1
            }
            while i < cells.count, cells[i].0 == " " {
                place(i)
                i += 1
            }
        }
        if cursor >= cells.count { cRow = rows.count - 1; cCol = w }
        if cCol >= width {
            if cursor >= cells.count {
                cRow += 1
                cCol = 0
                if cRow >= rows.count { rows.append("") }
            } else {
                cCol = width - 1   // on a space hanging past the edge
            }
        }
        return (rows, cRow, cCol)
    }

    /// One row of at most `width` cells that keeps the cursor in view, and the cursor column.
    public func singleLine(width: Int) -> (text: String, cursorCol: Int) {
        let width = max(1, width)
        let chars = Array(text)
        // Walk back from the cursor until the window is full.
        var start = cursor
        var w = 0
        while start > 0 {
            let cw = DisplayWidth.of(chars[start - 1])
            if w + cw > width - 1 { break }
            w += cw
            start -= 1
        }
        var shown = ""
        var sw = 0
        var k = start
        while k < chars.count {
            let cw = DisplayWidth.of(chars[k])
            if sw + cw > width { break }
            shown.append(chars[k])
            sw += cw
            k += 1
        }
        return (shown, w)
    }
}

/// Draws the chat input field: a "> " prompt and up to `maxRows` rows of text, scrolled to
/// keep the cursor visible; declares the cursor when focused.
public enum ChatInputView {
    /// Rows the field wants at `width` (1...maxRows).
    public static func height(_ state: ChatInputState, width: Int, maxRows: Int) -> Int {
        max(1, min(maxRows, state.rows(width: max(1, width - 2)).rows.count + (state.refused > 0 ? 1 : 0)))
    }

    /// The line shown in the field when text was refused: the limit and how much was lost.
    public static func limitNote(_ state: ChatInputState, width: Int) -> String {
        let options = ["Limit of \(ChatInputState.maxLength) characters reached: \(state.refused) not added",
                       "Limit \(ChatInputState.maxLength) chars: \(state.refused) not added",
                       "Full: \(state.refused) not added"]
        return options.first { DisplayWidth.of($0) <= width } ?? TextLayout.truncate(options[options.count - 1], width: width)
    }

    /// Draw into `rect` (no border).
    public static func render(_ state: ChatInputState, placeholder: String, focused: Bool,
                              into canvas: inout Canvas, rect: Rect) {
        guard rect.width > 3, rect.height > 0 else { return }
        let fieldW = rect.width - 2
        canvas.text(">", col: rect.col, row: rect.row, style: Style(focused ? .focusBorder : .dim, bold: focused))
        if state.isEmpty {
            canvas.text(TextLayout.truncate(placeholder, width: fieldW), col: rect.col + 2, row: rect.row, style: Style(.dim))
            if focused { canvas.setCursor(col: rect.col + 2, row: rect.row) }
            return
        }
        let (rows, cRow, cCol) = state.rows(width: fieldW)
        // The last row says when text was refused (a paste longer than the limit).
        let noteRows = state.refused > 0 && rect.height > 1 ? 1 : 0
        let textRows = rect.height - noteRows
        let first = max(0, min(cRow - textRows + 1, rows.count - textRows))
        for r in 0..<textRows where first + r < rows.count {
            canvas.text(rows[first + r], col: rect.col + 2, row: rect.row + r, maxWidth: fieldW)
        }
        if noteRows > 0 {
            canvas.text(limitNote(state, width: fieldW), col: rect.col + 2, row: rect.row + textRows, maxWidth: fieldW,
                        style: Style(.warning, bold: true))
        }
        if focused { canvas.setCursor(col: rect.col + 2 + cCol, row: rect.row + cRow - first) }
    }
}
