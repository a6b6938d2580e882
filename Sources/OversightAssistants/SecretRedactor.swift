import OversightCore

/// Removes API keys from text a server sent before it is shown, logged or written.
///
/// A server may echo the key back (a debugging proxy that returns the `Authorization` header,
/// an error page quoting it), and not always as sent: upper-cased, percent-encoded,
/// HTML-entity-encoded, JSON-escaped, or a mix of these. The matcher decodes each character of
/// the text in any of those forms and compares it with the key case-insensitively, so every
/// such spelling is replaced by `[redacted]`.
///
/// `Stream` does the same for text that arrives in pieces (streamed reply chunks): the end of a
/// piece that could be the start of a key is held back until the next piece shows whether it
/// is one; `finish()` releases what is left (redacting a dangling key prefix).
public struct SecretRedactor: Sendable {
    /// What replaces a key.
    public static let mask = "[redacted]"
    /// Shorter secrets are not matched (they would match ordinary words).
    public static let minimumLength = 4
    /// A key cut off at the end of a stream is redacted when at least this many of its
    /// characters are there.
    public static let danglingPrefixLength = 4

    /// Each secret as Unicode scalars.
    private let secrets: [[Unicode.Scalar]]

    /// A redactor for `secrets` (empty and too-short ones are ignored).
    public init(secrets: [String]) {
        var seen = Set<String>()
        self.secrets = secrets.filter { $0.unicodeScalars.count >= SecretRedactor.minimumLength && seen.insert($0).inserted }
            .map { Array($0.unicodeScalars) }
    }

    /// True when there is nothing to redact.
    public var isEmpty: Bool { secrets.isEmpty }

    /// `text` with every spelling of every secret replaced by `[redacted]`.
    public func redact(_ text: String) -> String {
        guard !secrets.isEmpty else { return text }
        let scalars = Array(text.unicodeScalars)
        let (out, _) = scan(scalars, final: true)
        return out
    }

    /// The error with every message it carries redacted.
    public func redact(_ error: AssistantError) -> AssistantError {
        guard !secrets.isEmpty else { return error }
        switch error {
        case .unreachable(let m): return .unreachable(redact(m))
        case .http(let s, let m, let r): return .http(status: s, message: redact(m), retryAfterSeconds: r)
        case .malformed(let m): return .malformed(redact(m))
        case .dropped(let m): return .dropped(redact(m))
        case .configuration(let m): return .configuration(redact(m))
        case .timeout, .cancelled: return error
        }
    }

    /// Redaction of text that arrives in pieces.
    public struct Stream: Sendable {
        private let redactor: SecretRedactor
        /// Text received but not yet released (it may be the start of a key).
        private var held: [Unicode.Scalar] = []

        public init(_ redactor: SecretRedactor) { self.redactor = redactor }

        /// Add a piece; returns the text that is now safe to release (possibly empty).
        public mutating func feed(_ piece: String) -> String {
            if redactor.secrets.isEmpty { return piece }
            held.append(contentsOf: piece.unicodeScalars)
            let (out, keepFrom) = redactor.scan(held, final: false)
            held = Array(held[keepFrom...])
            return out
        }

        /// The rest of the text, at the end of the stream.
        public mutating func finish() -> String {
            defer { held = [] }
            if held.isEmpty { return "" }
            return redactor.scan(held, final: true).0
        }
    }

    /// A streaming redactor for these secrets.
    public func stream() -> Stream { Stream(self) }

    // MARK: - Matching

    private enum Match {
        /// The secret spans `end - start` scalars of the text.
        case whole(end: Int)
        /// The text ends inside a possible match, `matched` secret characters in.
        case cutOff(matched: Int)
        case none
    }

    /// Redact `text`. When not `final`, stops at the first position where a match runs into
    /// the end of the text and returns that position (the caller holds the rest back).
    /// When `final`, a match cut off by the end is redacted if it is long enough.
    private func scan(_ text: [Unicode.Scalar], final: Bool) -> (String, Int) {
        var out = String.UnicodeScalarView()
        var i = 0
        var plainStart = 0
        while i < text.count {
            var best: Int?
            var cutOff: Int?
            for secret in secrets {
                switch match(secret, in: text, at: i) {
                case .whole(let end): best = max(best ?? end, end)
                case .cutOff(let matched): cutOff = max(cutOff ?? matched, matched)
                case .none: break
                }
            }
            if cutOff != nil, !final {
                // A longer spelling may still follow: hold everything from here.
                out.append(contentsOf: text[plainStart..<i])
                return (String(out), i)
            }
            if let end = best {
                out.append(contentsOf: text[plainStart..<i])
                out.append(contentsOf: SecretRedactor.mask.unicodeScalars)
                i = end
                plainStart = i
                continue
            }
            if let matched = cutOff {
                out.append(contentsOf: text[plainStart..<i])
                if matched >= SecretRedactor.danglingPrefixLength {
                    out.append(contentsOf: SecretRedactor.mask.unicodeScalars)
                } else {
                    out.append(contentsOf: text[i...])
                }
                return (String(out), text.count)
            }
            i += 1
        }
        out.append(contentsOf: text[plainStart...])
        return (String(out), text.count)
    }

    /// Match `secret` in `text` starting at `start`, each secret character in any encoding.
    private func match(_ secret: [Unicode.Scalar], in text: [Unicode.Scalar], at start: Int) -> Match {
        var j = start
        for (k, c) in secret.enumerated() {
            switch SecretRedactor.unit(c, in: text, at: j) {
            case .matched(let next): j = next
            case .needMore: return .cutOff(matched: k)
            case .failed: return .none
            }
        }
        return .whole(end: j)
    }

    private enum UnitMatch {
        case matched(Int)
        case needMore
        case failed
    }

    /// Whether the text at `j` spells the character `c`: literally (ignoring ASCII case),
    /// percent-encoded (its UTF-8 bytes), as an HTML character reference (`&#65;`, `&#x41;`,
    /// `&amp;`…) or as a JSON escape (`\u0041`, `\/`).
    private static func unit(_ c: Unicode.Scalar, in t: [Unicode.Scalar], at j: Int) -> UnitMatch {
        guard j < t.count else { return .needMore }
        let first = t[j]
        if fold(first) == fold(c) { return .matched(j + 1) }
        switch first {
        case "%": return percent(c, in: t, at: j)
        case "&": return entity(c, in: t, at: j)
        case "\\": return jsonEscape(c, in: t, at: j)
        default: return .failed
        }
    }

    private static func fold(_ s: Unicode.Scalar) -> UInt32 {
        (s.value >= 65 && s.value <= 90) ? s.value + 32 : s.value
    }

    private static func hexValue(_ s: Unicode.Scalar) -> UInt32? {
        switch s.value {
        case 48...57: s.value - 48
        case 65...70: s.value - 55
        case 97...102: s.value - 87
        default: nil
        }
    }

    private static func percent(_ c: Unicode.Scalar, in t: [Unicode.Scalar], at start: Int) -> UnitMatch {
        var j = start
        for byte in String(c).utf8 {
            guard j < t.count else { return .needMore }
            guard t[j] == "%" else { return .failed }
            guard j + 1 < t.count else { return .needMore }
            guard let hi = hexValue(t[j + 1]) else { return .failed }
            guard j + 2 < t.count else { return .needMore }
            guard let lo = hexValue(t[j + 2]) else { return .failed }
            guard hi * 16 + lo == UInt32(byte) else { return .failed }
            j += 3
        }
        return .matched(j)
    }

    private static let namedEntities: [String: UInt32] = [
        "amp": 38, "lt": 60, "gt": 62, "quot": 34, "apos": 39, "sol": 47, "colon": 58, "equals": 61,
        "plus": 43, "lowbar": 95, "hyphen": 45, "dash": 45, "period": 46, "comma": 44, "excl": 33,
        "num": 35, "dollar": 36, "percnt": 37, "ast": 42, "quest": 63, "commat": 64, "tilde": 126,
        "verbar": 124, "lpar": 40, "rpar": 41, "lsqb": 91, "rsqb": 93, "lcub": 123, "rcub": 125,
    ]

    /// `&#DDD;`, `&#xHH;` (the `;` optional, as browsers read them) or a named reference.
    private static func entity(_ c: Unicode.Scalar, in t: [Unicode.Scalar], at start: Int) -> UnitMatch {
        var j = start + 1
        guard j < t.count else { return .needMore }
        if t[j] == "#" {
            j += 1
            guard j < t.count else { return .needMore }
            var hex = false
            if t[j] == "x" || t[j] == "X" {
                hex = true
                j += 1
            }
            var value: UInt32 = 0
            var digits = 0
            while j < t.count {
                let d: UInt32? = hex ? hexValue(t[j]) : (t[j].value >= 48 && t[j].value <= 57 ? t[j].value - 48 : nil)
                guard let d else { break }
                value = min(value &* (hex ? 16 : 10) &+ d, 0x11_0000)
                digits += 1
                j += 1
            }
            if j == t.count { return value <= c.value || digits == 0 ? .needMore : .failed }
            guard digits > 0, value == c.value else { return .failed }
            return .matched(t[j] == ";" ? j + 1 : j)
        }
        var name = ""
        while j < t.count, t[j].properties.isAlphabetic, t[j].isASCII, name.count < 8 {
            name.unicodeScalars.append(t[j])
            j += 1
        }
        if j == t.count {
            // Could the name still grow into one that spells `c`?
            return namedEntities.contains { $0.value == c.value && $0.key.hasPrefix(name) } ? .needMore : .failed
        }
        guard t[j] == ";", namedEntities[name] == c.value else { return .failed }
        return .matched(j + 1)
    }

    /// `\uXXXX` (a scalar up to U+FFFF) or a backslash before the character itself.
    private static func jsonEscape(_ c: Unicode.Scalar, in t: [Unicode.Scalar], at start: Int) -> UnitMatch {
        let j = start + 1
        guard j < t.count else { return .needMore }
        if fold(t[j]) == fold(c), !(t[j].properties.isAlphabetic || t[j].properties.numericType != nil) {
            return .matched(j + 1)
        }
        guard t[j] == "u" else { return .failed }
        var value: UInt32 = 0
        for k in 1...4 {
            guard j + k < t.count else { return .needMore }
            guard let d = hexValue(t[j + k]) else { return .failed }
            value = value * 16 + d
        }
        return value == c.value ? .matched(j + 5) : .failed
    }
}
