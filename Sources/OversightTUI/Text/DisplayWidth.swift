/// Terminal display width of text, measured per grapheme cluster (a Swift `Character`).
///
/// Per scalar (agreeing with the C library's `wcwidth`, checked on every assigned code point):
/// control characters, combining marks and format characters (ZWJ, variation selectors) are 0;
/// East Asian Wide and Fullwidth characters (CJK, Hangul, kana, fullwidth forms) and characters
/// with emoji presentation are 2; everything else is 1.
///
/// A cluster is as wide as its scalars together, except that a scalar after a zero-width
/// joiner joins the emoji before it. This is what tmux 3.3 shows (measured): `"e\u{301}"` 1,
/// `"日"` 2, `"❤\u{FE0F}"` 1, `"🇫🇷"` 2, `"👩‍💻"` 2, `"👍🏽"` 4 (the skin-tone modifier is
/// drawn as its own emoji).
public enum DisplayWidth {
    /// Width in cells of one grapheme cluster (0 or more; 2 for most wide characters).
    public static func of(_ c: Character) -> Int {
        if c.isASCII {
            // Fast path; "\r\n" is a single ASCII cluster.
            guard let v = c.unicodeScalars.first?.value else { return 0 }
            return (v < 0x20 || v == 0x7F) ? 0 : 1
        }
        var w = 0
        var afterJoiner = false
        for s in c.unicodeScalars {
            if afterJoiner {
                afterJoiner = false
                continue
            }
            if s.value == 0x200D {
                afterJoiner = true
                continue
            }
            w += scalarWidth(s)
        }
        return w
    }

    /// Width in cells of a string (sum over its grapheme clusters).
    public static func of(_ s: String) -> Int {
        var w = 0
        for c in s { w += of(c) }
        return w
    }

    /// Width of a single Unicode scalar taken alone.
    public static func scalarWidth(_ s: Unicode.Scalar) -> Int {
        let v = s.value
        if v < 0x20 || (v >= 0x7F && v < 0xA0) { return 0 }
        if v < 0x300 { return 1 }
        if v == 0x200B || (0xFE00...0xFE0F).contains(v) || (0xE0100...0xE01EF).contains(v) { return 0 }
        // A lone regional indicator is narrow; a pair (a flag) is handled per cluster.
        if (0x1F1E6...0x1F1FF).contains(v) { return 1 }
        if v == 0x1171E { return 0 }   // Ahom medial consonant sign, a mark in newer Unicode data
        // Prepended concatenation marks are format characters that still take a cell.
        if (0x600...0x605).contains(v) || v == 0x6DD || v == 0x70F || v == 0x890 || v == 0x891 || v == 0x8E2
            || v == 0x110BD || v == 0x110CD { return 1 }
        switch s.properties.generalCategory {
        case .nonspacingMark, .enclosingMark, .format, .control:
            return 0
        default:
            break
        }
        // Hangul medial vowels and final consonants join the preceding syllable.
        if (0x1160...0x11FF).contains(v) || (0xD7B0...0xD7FF).contains(v) { return 0 }
        if isWide(v) || s.properties.isEmojiPresentation { return 2 }
        return 1
    }

    /// East Asian Wide (W) and Fullwidth (F) ranges, from the Unicode EastAsianWidth property.
    private static let wideRanges: [ClosedRange<UInt32>] = [
        0x1100...0x115F, 0x2329...0x232A, 0x2E80...0x2E99, 0x2E9B...0x2EF3, 0x2F00...0x2FD5,
        0x2FF0...0x2FFF, 0x3000...0x303E, 0x3041...0x3096, 0x3099...0x30FF, 0x3105...0x312F,
        0x3131...0x318E, 0x3190...0x31E3, 0x31EF...0x321E, 0x3220...0xA48C, 0xA490...0xA4C6, 0xA960...0xA97C, 0xAC00...0xD7A3, 0xF900...0xFAFF,
        0xFE10...0xFE19, 0xFE30...0xFE52, 0xFE54...0xFE66, 0xFE68...0xFE6B, 0xFF01...0xFF60,
        0xFFE0...0xFFE6, 0x16FE0...0x16FE4, 0x16FF0...0x16FF1, 0x17000...0x187F7,
        0x18800...0x18CD5, 0x18D00...0x18D08, 0x1AFF0...0x1AFFE, 0x1B000...0x1B122,
        0x1B150...0x1B152, 0x1B164...0x1B167, 0x1B170...0x1B2FB, 0x1F200...0x1F202,
        0x1F210...0x1F23B, 0x1F240...0x1F248, 0x1F250...0x1F251, 0x1F260...0x1F265, 0x20000...0x2FFFD,
        0x30000...0x3FFFD,
    ]

    private static func isWide(_ v: UInt32) -> Bool {
        if v < 0x1100 { return false }
        var lo = 0, hi = wideRanges.count - 1
        while lo <= hi {
            let mid = (lo + hi) / 2
            let r = wideRanges[mid]
            if v < r.lowerBound { hi = mid - 1 } else if v > r.upperBound { lo = mid + 1 } else { return true }
        }
        return false
    }
}
