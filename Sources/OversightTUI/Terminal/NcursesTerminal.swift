import CNcursesw
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The real terminal through ncursesw: starts and restores curses, reads keys without
/// blocking, and paints whole `CellGrid` frames. Only the event loop's thread may use it.
public final class NcursesTerminal {
    private var screen: OpaquePointer?
    private var window: UnsafeMutablePointer<WINDOW>?
    private var palette = Palette(colors: false)
    private var cursorVisible: Int32 = -1
    private var buffer: [wchar_t] = []
    private var savedTermios: termios?

    /// Whether curses is running (between `start()` and `stop()`).
    public private(set) var isActive = false

    /// Creates an idle terminal; nothing is touched before `start()`.
    public init() {}

    /// Selects the user's locale so wide characters work; falls back to `C.UTF-8` when the
    /// environment names no UTF-8 locale (LANG unset). Returns whether the codeset is UTF-8.
    @discardableResult
    public static func prepareLocale() -> Bool {
        setlocale(LC_ALL, "")
        if oversight_codeset_is_utf8() != 0 { return true }
        for name in ["C.UTF-8", "C.utf8", "en_US.UTF-8"] where setlocale(LC_ALL, name) != nil {
            if oversight_codeset_is_utf8() != 0 { return true }
        }
        return false
    }

    /// Whether colours are turned off by the environment (`NO_COLOR` set and not empty).
    public static func colorDisabled(environment: [String: String]) -> Bool {
        if let value = environment["NO_COLOR"], !value.isEmpty { return true }
        return false
    }

    /// Checks, before anything is written, that the session can run here: stdin and stdout are
    /// a terminal whose type is known. Returns the terminal's size.
    public static func preflight() throws -> Size {
        guard isatty(STDIN_FILENO) == 1, isatty(STDOUT_FILENO) == 1 else { throw TerminalError.notATerminal }
        prepareLocale()
        var status: Int32 = 0
        if setupterm(nil, STDOUT_FILENO, &status) != OK {
            let term = getenv("TERM").map { String(cString: $0) } ?? "(unset)"
            throw TerminalError.cannotStart("unknown terminal type TERM=\(term)")
        }
        var ws = winsize()
        if ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &ws) == 0, ws.ws_col > 0, ws.ws_row > 0 {
            return Size(cols: Int(ws.ws_col), rows: Int(ws.ws_row))
        }
        return Size(cols: 80, rows: 24)
    }

    /// Starts curses: raw keys, no echo, keypad, short Esc delay, colours (unless disabled).
    public func start(noColor: Bool) throws {
        guard isatty(STDIN_FILENO) == 1, isatty(STDOUT_FILENO) == 1 else {
            throw TerminalError.notATerminal
        }
        Self.prepareLocale()
        var modes = termios()
        if tcgetattr(STDIN_FILENO, &modes) == 0 { savedTermios = modes }
        guard let screen = oversight_newterm() else {
            let term = getenv("TERM").map { String(cString: $0) } ?? "(unset)"
            throw TerminalError.cannotStart("unknown terminal type TERM=\(term)")
        }
        self.screen = screen
        _ = set_term(screen)
        guard let window = oversight_stdscr() else {
            endwin()
            delscreen(screen)
            self.screen = nil
            throw TerminalError.cannotStart("no screen window")
        }
        self.window = window
        isActive = true
        raw()
        noecho()
        nonl()
        keypad(window, true)
        set_escdelay(25)
        wtimeout(window, 0)
        leaveok(window, false)
        var colors = false
        if !noColor, has_colors(), start_color() == OK, use_default_colors() == OK {
            colors = true
        }
        palette = Palette(colors: colors)
        TerminalSignals.armCrashRestore(termios: savedTermios, reset: Self.resetSequence())
    }

    /// Restores the terminal (`endwin`). Safe to call more than once and on every exit path.
    public func stop() {
        guard isActive else { return }
        isActive = false
        if let window {
            curs_set(1)
            wrefresh(window)
        }
        endwin()
        if let screen { delscreen(screen) }
        screen = nil
        window = nil
        TerminalSignals.disarmCrashRestore()
    }

    /// The terminal's size now (after a `KEY_RESIZE`, ncurses has already resized the screen).
    public var size: Size {
        guard let window else { return Size(cols: 0, rows: 0) }
        return Size(cols: Int(getmaxx(window)), rows: Int(getmaxy(window)))
    }

    /// One pending input without waiting, nil when none is waiting.
    public func read() -> NcursesKeys.Read? {
        guard let window else { return nil }
        var value: wint_t = 0
        let status = wget_wch(window, &value)
        if status == OK { return .character(UInt32(value)) }
        if status == KEY_CODE_YES { return .keyCode(Int32(truncatingIfNeeded: value)) }
        return nil
    }

    /// Paints a whole frame: erase, write every cell run, place the cursor, refresh.
    public func paint(_ grid: CellGrid) {
        guard let window else { return }
        werase(window)
        let cols = min(grid.size.cols, Int(getmaxx(window)))
        let rows = min(grid.size.rows, Int(getmaxy(window)))
        let cells = grid.cells
        let stride = grid.size.cols
        for row in 0..<max(0, rows) {
            paintRow(window, cells: cells, base: row * stride, row: row, cols: cols)
        }
        applyCursor(grid, window: window, cols: cols, rows: rows)
        wrefresh(window)
    }

    private func paintRow(_ window: UnsafeMutablePointer<WINDOW>, cells: [Cell], base: Int, row: Int, cols: Int) {
        var col = 0
        while col < cols {
            let first = cells[base + col]
            if first.continuation { col += 1; continue }
            let style = first.style
            let start = col
            buffer.removeAll(keepingCapacity: true)
            // A run: consecutive cells of one style whose widths agree with what ncurses will
            // advance; anything unusual ends the run so the next one is placed explicitly.
            while col < cols {
                let cell = cells[base + col]
                if cell.continuation { col += 1; continue }
                if cell.style != style { break }
                var followers = 0
                while col + 1 + followers < cols, cells[base + col + 1 + followers].continuation {
                    followers += 1
                }
                let width = append(cell.text)
                col += 1 + followers
                if width != 1 + followers { break }
            }
            if buffer.isEmpty { continue }
            let attrs = palette.attributes(for: style)
            wattr_set(window, attrs.attr, attrs.pair, nil)
            _ = buffer.withUnsafeBufferPointer { chars in
                mvwaddnwstr(window, Int32(row), Int32(start), chars.baseAddress, Int32(chars.count))
            }
        }
        wattr_set(window, oversight_a_normal(), 0, nil)
    }

    /// Appends a cell's text (control characters replaced) and returns its display width.
    private func append(_ text: String) -> Int {
        var width = 0
        var any = false
        for scalar in text.unicodeScalars {
            var value = scalar.value
            if value < 0x20 || (value >= 0x7F && value < 0xA0) { value = 0x20 }
            any = true
            buffer.append(wchar_t(bitPattern: value))
            let w = Int(oversight_wcwidth(wchar_t(bitPattern: value)))
            width += max(0, w)
        }
        if !any {
            buffer.append(0x20)
            return 1
        }
        return width
    }

    private func applyCursor(_ grid: CellGrid, window: UnsafeMutablePointer<WINDOW>, cols: Int, rows: Int) {
        if let cursor = grid.cursor, cursor.col >= 0, cursor.row >= 0, cursor.col < cols, cursor.row < rows {
            if cursorVisible != 1 { curs_set(1); cursorVisible = 1 }
            wmove(window, Int32(cursor.row), Int32(cursor.col))
        } else {
            if cursorVisible != 0 { curs_set(0); cursorVisible = 0 }
            wmove(window, Int32(max(0, rows - 1)), Int32(max(0, cols - 1)))
        }
    }

    /// The terminal's own strings that leave the full-screen mode (used by the crash handler).
    private static func resetSequence() -> [UInt8] {
        var bytes: [UInt8] = []
        for cap in ["sgr0", "rmkx", "rmcup", "cnorm"] {
            if let s = oversight_tigetstr(cap) {
                bytes.append(contentsOf: Array(String(cString: s).utf8))
            }
        }
        return bytes
    }
}

/// ncurses attributes for each `StyleRole`: colours on the terminal's default background
/// (readable on dark and light themes), or attributes only when colours are off.
struct Palette {
    struct Attributes { var attr: attr_t; var pair: Int16 }
    private var table: [Attributes]

    private enum Pair: Int16 {
        case cyan = 1, magenta, blackOnYellow, blackOnCyan, red, green, whiteOnRed
    }

    init(colors: Bool) {
        let bold = oversight_a_bold(), reverse = oversight_a_reverse()
        let underline = oversight_a_underline(), dim = oversight_a_dim(), none = oversight_a_normal()
        if colors {
            init_pair(Pair.cyan.rawValue, Int16(COLOR_CYAN), -1)
            init_pair(Pair.magenta.rawValue, Int16(COLOR_MAGENTA), -1)
            init_pair(Pair.blackOnYellow.rawValue, Int16(COLOR_BLACK), Int16(COLOR_YELLOW))
            init_pair(Pair.blackOnCyan.rawValue, Int16(COLOR_BLACK), Int16(COLOR_CYAN))
            init_pair(Pair.red.rawValue, Int16(COLOR_RED), -1)
            init_pair(Pair.green.rawValue, Int16(COLOR_GREEN), -1)
            init_pair(Pair.whiteOnRed.rawValue, Int16(COLOR_WHITE), Int16(COLOR_RED))
        }
        func make(_ role: StyleRole) -> Attributes {
            if !colors {
                switch role {
                case .normal: return Attributes(attr: none, pair: 0)
                case .dim: return Attributes(attr: dim, pair: 0)
                case .title, .focusBorder, .user, .assistant, .warning: return Attributes(attr: bold, pair: 0)
                case .border: return Attributes(attr: dim, pair: 0)
                case .selected: return Attributes(attr: reverse | bold, pair: 0)
                case .highlight: return Attributes(attr: reverse, pair: 0)
                case .currentMatch: return Attributes(attr: reverse | bold | underline, pair: 0)
                case .danger: return Attributes(attr: reverse | bold, pair: 0)
                case .success: return Attributes(attr: bold | underline, pair: 0)
                case .statusBar: return Attributes(attr: reverse, pair: 0)
                }
            }
            switch role {
            case .normal, .border: return Attributes(attr: none, pair: 0)
            case .dim: return Attributes(attr: dim, pair: 0)
            case .title: return Attributes(attr: bold, pair: 0)
            case .focusBorder, .user: return Attributes(attr: bold, pair: Pair.cyan.rawValue)
            case .assistant: return Attributes(attr: bold, pair: Pair.magenta.rawValue)
            case .selected: return Attributes(attr: reverse | bold, pair: 0)
            case .highlight: return Attributes(attr: none, pair: Pair.blackOnYellow.rawValue)
            case .currentMatch: return Attributes(attr: bold, pair: Pair.blackOnCyan.rawValue)
            case .warning: return Attributes(attr: bold, pair: Pair.blackOnYellow.rawValue)
            case .danger: return Attributes(attr: bold, pair: Pair.whiteOnRed.rawValue)
            case .success: return Attributes(attr: bold, pair: Pair.green.rawValue)
            case .statusBar: return Attributes(attr: reverse, pair: 0)
            }
        }
        table = StyleRole.allCases.map(make)
    }

    /// The role's attributes plus the style's own bold / reverse / underline.
    func attributes(for style: Style) -> Attributes {
        var a = table[style.role.rawValue]
        if style.bold { a.attr |= oversight_a_bold() }
        if style.reverse { a.attr |= oversight_a_reverse() }
        if style.underline { a.attr |= oversight_a_underline() }
        return a
    }
}
