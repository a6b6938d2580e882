/// A rectangle of cells: column, row, width, height.
public struct Rect: Sendable, Equatable {
    public var col: Int
    public var row: Int
    public var width: Int
    public var height: Int

    /// A rectangle; negative sizes become 0.
    public init(col: Int, row: Int, width: Int, height: Int) {
        self.col = col
        self.row = row
        self.width = max(0, width)
        self.height = max(0, height)
    }

    /// The area inside a one-cell border.
    public var inner: Rect { Rect(col: col + 1, row: row + 1, width: width - 2, height: height - 2) }
    public var maxCol: Int { col + width }
    public var maxRow: Int { row + height }
}

/// Drawing helpers over a `CellGrid`: text clipped to a width (a character N cells wide as a cell
/// plus N-1 continuation cells, never split at the edge), boxes with titles, fills.
public struct Canvas {
    public var grid: CellGrid

    /// A blank canvas of `size`.
    public init(size: Size) { grid = CellGrid(size: size) }

    /// Draw `text` at (col, row), clipped to `maxWidth` cells. Returns the width drawn.
    @discardableResult
    public mutating func text(_ text: String, col: Int, row: Int, maxWidth: Int? = nil, style: Style = .plain) -> Int {
        let limit = min(maxWidth ?? Int.max, grid.size.cols - col)
        guard row >= 0, row < grid.size.rows, limit > 0 else { return 0 }
        var x = 0
        if text.utf8.allSatisfy({ $0 < 0x80 }) {
            // ASCII: one cell per printable byte, control characters take none.
            for b in text.utf8 where b >= 0x20 && b != 0x7F {
                if x + 1 > limit { break }
                grid[col + x, row] = Cell(String(UnicodeScalar(b)), style: style)
                x += 1
            }
            return x
        }
        for ch in text {
            let w = DisplayWidth.of(ch)
            if w == 0 { continue }
            if x + w > limit { break }
            grid[col + x, row] = Cell(String(ch), style: style)
            for k in 1..<max(1, w) { grid[col + x + k, row] = Cell("", style: style, continuation: true) }
            x += w
        }
        return x
    }

    /// Draw `segments` one after another on a row, clipped to `maxWidth`.
    @discardableResult
    public mutating func segments(_ segments: [(String, Style)], col: Int, row: Int, maxWidth: Int) -> Int {
        var x = 0
        for (s, st) in segments {
            if x >= maxWidth { break }
            x += text(s, col: col + x, row: row, maxWidth: maxWidth - x, style: st)
        }
        return x
    }

    /// Fill a rectangle with spaces of a style.
    public mutating func fill(_ r: Rect, style: Style = .plain) {
        guard r.width > 0, r.height > 0 else { return }
        for y in r.row..<r.maxRow { for x in r.col..<r.maxCol { grid[x, y] = Cell(" ", style: style) } }
    }

    /// Draw a border around `r` with a title on the top edge. A focused box is drawn with heavy
    /// lines (visible without colour) in the focus role.
    public mutating func box(_ r: Rect, title: String, focused: Bool, rightTitle: String? = nil,
                             footer: (text: String, style: Style)? = nil, rightFooter: String? = nil) {
        guard r.width >= 2, r.height >= 2 else { return }
        let st = focused ? Style(.focusBorder, bold: true) : Style(.border)
        let (h, v, tl, tr, bl, br) = focused
            ? ("━", "┃", "┏", "┓", "┗", "┛") : ("─", "│", "┌", "┐", "└", "┘")
        for x in r.col + 1..<r.maxCol - 1 {
            grid[x, r.row] = Cell(h, style: st)
            grid[x, r.maxRow - 1] = Cell(h, style: st)
        }
        for y in r.row + 1..<r.maxRow - 1 {
            grid[r.col, y] = Cell(v, style: st)
            grid[r.maxCol - 1, y] = Cell(v, style: st)
        }
        grid[r.col, r.row] = Cell(tl, style: st)
        grid[r.maxCol - 1, r.row] = Cell(tr, style: st)
        grid[r.col, r.maxRow - 1] = Cell(bl, style: st)
        grid[r.maxCol - 1, r.maxRow - 1] = Cell(br, style: st)
        // The right-hand label (e.g. a scroll position) wins over a long title, which is cut.
        var right = rightTitle.map { " " + $0 + " " } ?? ""
        var rightW = DisplayWidth.of(right)
        if rightW > 0, r.width - 4 - rightW - 1 < 12 { right = ""; rightW = 0 }
        if !title.isEmpty, r.width > 6 {
            let t = " " + (focused ? "▸ " : "") + title + " "
            let room = r.width - 4 - (rightW > 0 ? rightW + 1 : 0)
            text(TextLayout.truncate(t, width: room), col: r.col + 2, row: r.row, style: Style(.title, bold: focused))
        }
        if rightW > 0 {
            text(right, col: r.maxCol - 2 - rightW, row: r.row, style: Style(.dim))
        }
        var footerRoom = r.width - 4
        if let rightFooter, !rightFooter.isEmpty, r.width > 6 {
            let label = " " + rightFooter + " "
            let w = DisplayWidth.of(label)
            if w <= r.width - 4 {
                text(label, col: r.maxCol - 2 - w, row: r.maxRow - 1, style: Style(.dim))
                footerRoom -= w + 1
            }
        }
        if let footer, !footer.text.isEmpty, r.width > 6, footerRoom > 2 {
            text(TextLayout.truncate(" " + footer.text + " ", width: footerRoom), col: r.col + 2, row: r.maxRow - 1,
                 style: footer.style)
        }
    }

    /// Put the cursor at (col, row).
    public mutating func setCursor(col: Int, row: Int) { grid.cursor = (col: col, row: row) }
}
