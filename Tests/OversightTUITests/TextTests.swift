import XCTest
@testable import OversightTUI

final class DisplayWidthTests: XCTestCase {
    func testASCIIAndControl() {
        XCTAssertEqual(DisplayWidth.of("hello"), 5)
        XCTAssertEqual(DisplayWidth.of(Character("\u{7}")), 0)
        XCTAssertEqual(DisplayWidth.of(""), 0)
    }

    func testCJKIsTwoCellsEach() {
        XCTAssertEqual(DisplayWidth.of("日本語"), 6)
        XCTAssertEqual(DisplayWidth.of("한국어"), 6)
        XCTAssertEqual(DisplayWidth.of("ｶﾀｶﾅ"), 4)          // halfwidth katakana: 1 each
        XCTAssertEqual(DisplayWidth.of("ＡＢ"), 4)          // fullwidth Latin: 2 each
    }

    func testCombiningMarksJoinTheirBase() {
        let decomposed = "e\u{301}te\u{301}"             // "été" with combining acute accents
        XCTAssertEqual(decomposed.count, 3)
        XCTAssertEqual(DisplayWidth.of(decomposed), 3)
        XCTAssertEqual(DisplayWidth.of("ñ"), 1)
        XCTAssertEqual(DisplayWidth.of(Character("a\u{300}\u{301}\u{302}")), 1)
        // Hangul built from conjoining jamo is one syllable, two cells.
        XCTAssertEqual(DisplayWidth.of(Character("\u{1100}\u{1161}\u{11A8}")), 2)
    }

    func testEmoji() {
        XCTAssertEqual(DisplayWidth.of("😀"), 2)
        XCTAssertEqual(DisplayWidth.of(Character("👩‍💻")), 2)            // ZWJ sequence: joined
        XCTAssertEqual(DisplayWidth.of(Character("👨‍👩‍👧")), 2)
        XCTAssertEqual(DisplayWidth.of(Character("👍🏽")), 4)            // tmux draws the modifier apart
        XCTAssertEqual(DisplayWidth.of(Character("🇫🇷")), 2)            // flag
        // A variation selector does not widen: the C library (and ncurses) count ❤️ as 1.
        XCTAssertEqual(DisplayWidth.of(Character("\u{2764}\u{FE0F}")), 1)
        XCTAssertEqual(DisplayWidth.of(Character("\u{2764}")), 1)
    }
}

final class TextLayoutTests: XCTestCase {
    func testWrapsAtWordsAndDropsBreakSpaces() {
        let lines = TextLayout.wrap("the quick brown fox jumps over the lazy dog", width: 10)
        XCTAssertEqual(lines.map(\.text), ["the quick", "brown fox", "jumps over", "the lazy", "dog"])
        XCTAssertTrue(lines.allSatisfy { $0.width <= 10 })
    }

    func testLongWordIsSplit() {
        XCTAssertEqual(TextLayout.wrap("abcdefghij xy", width: 4).map(\.text), ["abcd", "efgh", "ij", "xy"])
    }

    func testNewlinesAndBlankLinesKept() {
        XCTAssertEqual(TextLayout.wrap("one\n\ntwo", width: 20).map(\.text), ["one", "", "two"])
    }

    func testCJKWrapsByDisplayWidthNeverSplittingACharacter() {
        let lines = TextLayout.wrap("日本語のテキスト", width: 5)
        XCTAssertEqual(lines.map(\.text), ["日本", "語の", "テキ", "スト"])
        XCTAssertTrue(lines.allSatisfy { $0.width <= 5 })
    }

    func testEmojiAndCombiningWidthsInWrap() {
        let lines = TextLayout.wrap("ab 😀😀 cafe\u{301} x", width: 6)
        XCTAssertEqual(lines.map(\.text), ["ab", "😀😀", "cafe\u{301} x"])
        XCTAssertEqual(lines.map(\.width), [2, 4, 6])
    }

    func testLineOffsetsAreUnicodeScalarOffsets() {
        let text = "e\u{301}e\u{301} word\nnext line"
        let lines = TextLayout.wrap(text, width: 4)
        XCTAssertEqual(lines.map(\.text), ["e\u{301}e\u{301}", "word", "next", "line"])
        XCTAssertEqual(lines.map(\.start), [0, 5, 10, 15])
        let scalars = Array(text.unicodeScalars)
        for l in lines {
            XCTAssertEqual(String(String.UnicodeScalarView(scalars[l.start..<l.end])), l.text)
        }
    }

    func testTruncateAndPad() {
        XCTAssertEqual(TextLayout.truncate("hello world", width: 8), "hello w…")
        XCTAssertEqual(TextLayout.truncate("short", width: 8), "short")
        XCTAssertEqual(TextLayout.truncate("日本語です", width: 6), "日本…")
        XCTAssertEqual(DisplayWidth.of(TextLayout.pad("日本", width: 7)), 7)
        XCTAssertEqual(TextLayout.wrap("one two three four", width: 9, maxLines: 2), ["one two", "three…"])
    }
}

final class CanvasTests: XCTestCase {
    func testWideCharactersTakeACellAndAContinuation() {
        var c = Canvas(size: Size(cols: 6, rows: 1))
        let w = c.text("a日b", col: 0, row: 0)
        XCTAssertEqual(w, 4)
        XCTAssertEqual(c.grid[1, 0].text, "日")
        XCTAssertTrue(c.grid[2, 0].continuation)
        XCTAssertEqual(c.grid.plainLines(), ["a日b"])
    }

    func testFourCellClusterGetsThreeContinuations() {
        var c = Canvas(size: Size(cols: 8, rows: 1))
        XCTAssertEqual(c.text("a👍🏽b", col: 0, row: 0), 6)
        XCTAssertEqual((1...4).map { c.grid[$0, 0].continuation }, [false, true, true, true])
        XCTAssertEqual(c.grid[5, 0].text, "b")
        XCTAssertEqual(c.grid.plainLines(), ["a👍🏽b"])
    }

    func testWideCharacterNeverSplitAtTheEdge() {
        var c = Canvas(size: Size(cols: 3, rows: 1))
        XCTAssertEqual(c.text("ab日", col: 0, row: 0), 2)
        XCTAssertFalse(c.grid[2, 0].continuation)
        XCTAssertEqual(c.grid.plainLines(), ["ab"])
    }
}
