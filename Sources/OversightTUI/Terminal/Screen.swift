import Foundation

/// Terminal size in cells.
public struct Size: Sendable, Equatable, Hashable {
    public var cols: Int
    public var rows: Int
    public init(cols: Int, rows: Int) {
        self.cols = cols
        self.rows = rows
    }
}

/// Semantic styles; the driver maps them to colours (or to attributes only under NO_COLOR).
public enum StyleRole: Int, Sendable, Equatable, Hashable, CaseIterable {
    case normal
    case dim          // secondary text, hints
    case title        // headings, pane titles
    case focusBorder  // border of the focused pane
    case border
    case selected     // chosen option / confidence
    case highlight    // search match
    case currentMatch // the current search match
    case user         // participant's speaker label
    case assistant    // assistant's speaker label
    case warning      // timer in the last minute
    case danger       // timer in the last 10 s, errors
    case success      // correct answer on feedback
    case statusBar
}

/// How one cell is drawn.
public struct Style: Sendable, Equatable, Hashable {
    public var role: StyleRole
    public var bold: Bool
    public var reverse: Bool
    public var underline: Bool

    public init(_ role: StyleRole = .normal, bold: Bool = false, reverse: Bool = false, underline: Bool = false) {
        self.role = role
        self.bold = bold
        self.reverse = reverse
        self.underline = underline
    }

    public static let plain = Style()
}

/// One terminal cell. A wide character (CJK, most emoji) occupies its cell plus a following
/// `continuation` cell, which the driver skips; a cluster N cells wide (`DisplayWidth`, e.g. an
/// emoji with a skin-tone modifier is 4) is followed by N-1 continuation cells.
public struct Cell: Sendable, Equatable, Hashable {
    /// The grapheme cluster drawn here ("" for a continuation cell).
    public var text: String
    public var style: Style
    public var continuation: Bool

    public init(_ text: String = " ", style: Style = .plain, continuation: Bool = false) {
        self.text = text
        self.style = style
        self.continuation = continuation
    }

    public static let blank = Cell()
}

/// A whole rendered frame: what `render(state, size)` returns and what the driver paints.
public struct CellGrid: Sendable, Equatable {
    public let size: Size
    public private(set) var cells: [Cell]
    /// Where the terminal cursor should be shown (column, row), nil to hide it.
    public var cursor: (col: Int, row: Int)? {
        get { cursorStorage.map { (col: $0[0], row: $0[1]) } }
        set { cursorStorage = newValue.map { [$0.col, $0.row] } }
    }
    private var cursorStorage: [Int]?

    public init(size: Size) {
        self.size = size
        cells = Array(repeating: .blank, count: max(0, size.cols) * max(0, size.rows))
    }

    public subscript(col: Int, row: Int) -> Cell {
        get {
            guard col >= 0, row >= 0, col < size.cols, row < size.rows else { return .blank }
            return cells[row * size.cols + col]
        }
        set {
            guard col >= 0, row >= 0, col < size.cols, row < size.rows else { return }
            cells[row * size.cols + col] = newValue
        }
    }

    /// The frame as plain text rows (trailing spaces trimmed), for snapshots and tmux checks.
    public func plainLines() -> [String] {
        (0..<size.rows).map { row in
            var line = ""
            for col in 0..<size.cols {
                let c = cells[row * size.cols + col]
                if !c.continuation { line += c.text }
            }
            while line.hasSuffix(" ") { line.removeLast() }
            return line
        }
    }

    public static func == (a: CellGrid, b: CellGrid) -> Bool {
        a.size == b.size && a.cells == b.cells && a.cursorStorage == b.cursorStorage
    }
}

/// A key (or terminal event) as the pure core sees it; the driver translates ncurses codes.
public enum Key: Sendable, Equatable, Hashable {
    /// A printable character (already decoded from UTF-8).
    case char(Character)
    /// Ctrl + a letter (lower-case), e.g. `.ctrl("r")`; Ctrl-C is `.ctrl("c")`.
    case ctrl(Character)
    case enter, tab, backTab, escape, backspace, delete
    case up, down, left, right, pageUp, pageDown, home, end
    /// Function key F1...F12.
    case function(Int)
}
