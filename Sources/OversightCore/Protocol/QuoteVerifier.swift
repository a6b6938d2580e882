import Foundation

/// A passage prepared for quote look-ups: its text normalised once, each normalised character
/// remembering where in the original text it came from.
///
/// Normalisation: letters and digits are lower-cased; apostrophes (straight, curly, modifier
/// letter, backtick) are dropped, so "don't" and "dont" agree; every other run of characters
/// (spaces, line breaks, quote marks, dashes, punctuation) becomes one space. A quote is found
/// when its normalised text occurs in the normalised passage starting and ending at word
/// boundaries.
public struct NormalizedPassage: Sendable, Equatable {
    /// The normalised text as scalar values, with a space before the first word and after the last.
    let scalars: [UInt32]
    /// For each of `scalars`, the offset (in Unicode scalars) in the original text it came from.
    let origins: [Int32]

    public init(_ text: String) {
        let (s, o) = NormalizedPassage.normalize(text)
        scalars = s
        origins = o
    }

    static let space: UInt32 = 0x20

    static func isApostrophe(_ v: UInt32) -> Bool {
        v == 0x27 || v == 0x2019 || v == 0x2018 || v == 0x02BC || v == 0x60 || v == 0xB4
    }

    /// The normalised scalars of `text` (framed by spaces) and the original offset of each.
    static func normalize(_ text: String) -> ([UInt32], [Int32]) {
        var out: [UInt32] = [space]
        var origins: [Int32] = [0]
        out.reserveCapacity(text.utf8.count + 2)
        origins.reserveCapacity(text.utf8.count + 2)
        var offset: Int32 = 0
        for u in text.unicodeScalars {
            defer { offset += 1 }
            let v = u.value
            if v < 0x80 {
                if (0x61...0x7A).contains(v) || (0x30...0x39).contains(v) {
                    out.append(v); origins.append(offset)
                } else if (0x41...0x5A).contains(v) {
                    out.append(v + 0x20); origins.append(offset)
                } else if !isApostrophe(v), out.last != space {
                    out.append(space); origins.append(offset)
                }
                continue
            }
            if isApostrophe(v) { continue }
            let p = u.properties
            if p.isAlphabetic || p.numericType != nil || p.generalCategory == .nonspacingMark
                || p.generalCategory == .spacingMark {
                for l in p.lowercaseMapping.unicodeScalars {
                    out.append(l.value); origins.append(offset)
                }
            } else if out.last != space {
                out.append(space); origins.append(offset)
            }
        }
        if out.last != space {
            out.append(space); origins.append(offset)
        }
        return (out, origins)
    }

    /// Where `quote` starts in the original passage (in Unicode scalars), or nil when the passage
    /// does not hold it. `wholeWordEnd: false` lets the quote end inside a word (the part of a
    /// quote kept within the speech's budget may end mid-word).
    public func find(_ quote: String, wholeWordEnd: Bool = true) -> Int? {
        var (needle, _) = NormalizedPassage.normalize(quote)
        // `needle` is framed by spaces; a quote with no letters or digits is never found.
        guard needle.count > 2 else { return nil }
        if !wholeWordEnd { needle.removeLast() }
        let n = needle.count, h = scalars.count
        guard n <= h else { return nil }
        let first = needle[1]
        var i = 0
        while i + n <= h {
            if scalars[i] == NormalizedPassage.space && scalars[i + 1] == first {
                var k = 2
                while k < n && scalars[i + k] == needle[k] { k += 1 }
                if k == n { return Int(origins[i + 1]) }
            }
            i += 1
        }
        return nil
    }
}

/// One piece of a checked speech, in order: plain text or a quote.
public enum SpeechSegment: Sendable, Equatable {
    case text(String)
    case quote(QuoteRecord)
}

/// A speech as the judge sees it: cut at the block's limit, with its quotes checked.
public struct CheckedSpeech: Sendable, Equatable {
    /// The speech as shown (the first `max_chars` characters when it was longer).
    public var text: String
    /// True when the speech was longer than `max_chars`.
    public var cut: Bool
    /// The speech without its `<quote>` tags, split into text and quotes.
    public var segments: [SpeechSegment]

    /// The quotes, in order (as logged in `assistant_reply.quotes`).
    public var quotes: [QuoteRecord] {
        segments.compactMap { if case .quote(let q) = $0 { q } else { nil } }
    }
}

/// Checks the quotes of speeches against a passage (the `<quote>…</quote>` convention of the
/// consultancy and debate blocks).
public enum QuoteVerifier {
    public static let open = "<quote>"
    public static let close = "</quote>"

    /// `speech` cut at `maxChars` characters, its `<quote>` spans extracted and checked against
    /// `passage` (nil: no passage, every quote unverified).
    ///
    /// Quote characters are counted across the speech in order; the part of a quote past
    /// `maxQuoteChars` becomes a quote of its own marked `overLimit` and is never verified (the
    /// part within the budget is checked on its own). A `<quote>` left open runs to the end of the
    /// speech; quotes with no letters or digits are dropped as empty.
    public static func check(speech: String, passage: NormalizedPassage?, maxChars: Int, maxQuoteChars: Int) -> CheckedSpeech {
        let cut = speech.count > maxChars
        let text = cut ? String(speech.prefix(maxChars)) : speech
        var segments: [SpeechSegment] = []
        var budget = maxQuoteChars
        var rest = text[...]
        func addText(_ s: Substring) {
            guard !s.isEmpty else { return }
            if case .text(let t)? = segments.last {
                segments[segments.count - 1] = .text(t + s)
            } else {
                segments.append(.text(String(s)))
            }
        }
        while let o = rest.range(of: open, options: .caseInsensitive) {
            addText(rest[..<o.lowerBound])
            let after = rest[o.upperBound...]
            let quote: Substring
            if let c = after.range(of: close, options: .caseInsensitive) {
                quote = after[..<c.lowerBound]
                rest = after[c.upperBound...]
            } else {
                quote = after
                rest = after[after.endIndex...]
            }
            guard quote.unicodeScalars.contains(where: { $0.properties.isAlphabetic || $0.properties.numericType != nil })
            else { continue }
            let length = quote.count
            if length <= budget {
                budget -= length
                segments.append(.quote(verify(String(quote), passage: passage, wholeWordEnd: true)))
            } else {
                let kept = quote.prefix(budget)
                let over = quote.dropFirst(budget)
                budget = 0
                if !kept.isEmpty {
                    segments.append(.quote(verify(String(kept), passage: passage, wholeWordEnd: false)))
                }
                segments.append(.quote(QuoteRecord(text: String(over), verified: false, overLimit: true)))
            }
        }
        addText(rest)
        return CheckedSpeech(text: text, cut: cut, segments: segments)
    }

    static func verify(_ quote: String, passage: NormalizedPassage?, wholeWordEnd: Bool) -> QuoteRecord {
        if let start = passage?.find(quote, wholeWordEnd: wholeWordEnd) {
            return QuoteRecord(text: quote, verified: true, start: start)
        }
        return QuoteRecord(text: quote, verified: false)
    }
}
