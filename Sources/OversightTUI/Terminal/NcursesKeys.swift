import CNcursesw

/// What the terminal delivers to a session: a key, or a new terminal size.
public enum TerminalInput: Sendable, Equatable {
    case key(Key)
    case resize(Size)
}

/// Translates what `wget_wch` returns into `Key`s. Pure (no terminal needed), so it is unit
/// tested directly.
public enum NcursesKeys {
    /// Result of one `wget_wch` call, reduced to what matters.
    public enum Read: Equatable, Sendable {
        /// `OK`: a character (possibly a control character).
        case character(UInt32)
        /// `KEY_CODE_YES`: a `KEY_*` code.
        case keyCode(Int32)
    }

    /// Marker returned for `KEY_RESIZE`; the driver asks the terminal for its new size.
    public static let resizeCode = Int32(KEY_RESIZE)

    /// The key for a read, nil for things the app ignores (unknown codes, NUL, mouse).
    /// `KEY_RESIZE` yields nil too: callers test `isResize` first.
    public static func key(for read: Read) -> Key? {
        switch read {
        case .character(let c): return key(character: c)
        case .keyCode(let code): return key(code: code)
        }
    }

    /// Whether the read is the terminal's resize notification.
    public static func isResize(_ read: Read) -> Bool {
        if case .keyCode(let code) = read { return code == resizeCode }
        return false
    }

    static func key(character c: UInt32) -> Key? {
        switch c {
        case 10, 13: return .enter
        case 9: return .tab
        case 27: return .escape
        case 8, 127: return .backspace
        case 1...26:
            guard let scalar = Unicode.Scalar(c + 96) else { return nil }
            return .ctrl(Character(scalar))
        case 0, 28...31: return nil
        case 0x80..<0xA0: return nil // C1 controls
        default:
            guard let scalar = Unicode.Scalar(c) else { return nil }
            return .char(Character(scalar))
        }
    }

    static func key(code: Int32) -> Key? {
        switch code {
        case Int32(KEY_UP): return .up
        case Int32(KEY_DOWN): return .down
        case Int32(KEY_LEFT): return .left
        case Int32(KEY_RIGHT): return .right
        case Int32(KEY_PPAGE): return .pageUp
        case Int32(KEY_NPAGE): return .pageDown
        case Int32(KEY_HOME), Int32(KEY_BEG): return .home
        case Int32(KEY_END), Int32(KEY_LL): return .end
        case Int32(KEY_BACKSPACE): return .backspace
        case Int32(KEY_DC): return .delete
        case Int32(KEY_ENTER): return .enter
        case Int32(KEY_BTAB): return .backTab
        default:
            for n in 1...12 where code == oversight_key_f(Int32(n)) { return .function(n) }
            return nil
        }
    }
}
