import XCTest
import OversightCore
@testable import OversightTUI

final class PassageViewStateTests: XCTestCase {
    let text = (1...50).map { "Line number \($0) of the story." }.joined(separator: "\n")

    func testScrollClampsAtBothEnds() {
        let lines = TextLayout.wrap(text, width: 40)
        XCTAssertEqual(lines.count, 50)
        var s = PassageViewState()
        s.scroll(by: -3, lines, rows: 10)
        XCTAssertEqual(s.topLine(lines, rows: 10), 0)
        s.scroll(by: 1000, lines, rows: 10)
        XCTAssertEqual(s.topLine(lines, rows: 10), 40)
        s.page(1, lines, rows: 10)
        XCTAssertEqual(s.topLine(lines, rows: 10), 40)
        s.page(-1, lines, rows: 10)
        XCTAssertEqual(s.topLine(lines, rows: 10), 31)
        s.home()
        XCTAssertEqual(s.topLine(lines, rows: 10), 0)
        s.end(lines, rows: 10)
        XCTAssertEqual(s.positionLabel(lines, rows: 10), "line 41/50, 100%")
    }

    func testShortTextCannotScroll() {
        let lines = TextLayout.wrap("one\ntwo", width: 40)
        var s = PassageViewState()
        s.scroll(by: 5, lines, rows: 10)
        XCTAssertEqual(s.topLine(lines, rows: 10), 0)
        XCTAssertEqual(s.positionLabel(lines, rows: 10), "line 1/2, 100%")
    }

    func testAnchorSurvivesReflow() {
        let wide = TextLayout.wrap(Fixtures.passageText, width: 100)
        var s = PassageViewState()
        s.scroll(by: 20, wide, rows: 10)
        let anchor = s.topOffset
        let narrow = TextLayout.wrap(Fixtures.passageText, width: 30)
        let top = s.topLine(narrow, rows: 10)
        XCTAssertLessThanOrEqual(narrow[top].start, anchor)
        XCTAssertGreaterThan(narrow[top].end, anchor - 1)
        // Back to the first width: the same top line.
        XCTAssertEqual(s.topLine(wide, rows: 10), 20)
    }

    func testSearchFindsCaseInsensitiveAndCycles() {
        let lines = TextLayout.wrap(text, width: 40)
        var s = PassageViewState()
        XCTAssertEqual(s.search("NUMBER 4", in: text), 11)   // 4, 40...49
        XCTAssertEqual(s.currentMatch, 0)
        s.nextMatch(-1, lines, rows: 10)
        XCTAssertEqual(s.currentMatch, 10)
        XCTAssertTrue(s.topLine(lines, rows: 10) <= 48 && s.topLine(lines, rows: 10) + 10 > 48)
        s.nextMatch(1, lines, rows: 10)
        XCTAssertEqual(s.currentMatch, 0)
        XCTAssertEqual(s.search("absent", in: text), 0)
        XCTAssertNil(s.currentMatch)
    }

    func testMatchOffsetsAreScalarOffsets() {
        let t = "e\u{301}t\u{E9} caf\u{E9} CAF\u{E9}"
        let m = PassageViewState.find("café", in: t)
        XCTAssertEqual(m.count, 2)
        let scalars = Array(t.unicodeScalars)
        XCTAssertEqual(String(String.UnicodeScalarView(scalars[m[0]])), "caf\u{E9}")
    }
}

final class ChatInputStateTests: XCTestCase {
    func testEditingByGraphemeCluster() {
        var s = ChatInputState()
        s.insert("héllo 日本 👩‍💻")
        XCTAssertEqual(s.cursor, 10)
        s.backspace()                                   // removes the whole ZWJ emoji
        XCTAssertEqual(s.text, "héllo 日本 ")
        s.left(); s.left()
        s.delete()                                      // removes 本
        XCTAssertEqual(s.text, "héllo 日 ")
        s.home()
        s.right()
        s.insert("x")
        XCTAssertEqual(s.text, "hxéllo 日 ")
        s.end()
        XCTAssertEqual(s.cursor, s.text.count)
        s.right()
        XCTAssertEqual(s.cursor, s.text.count)
        s.home(); s.left(); s.backspace()
        XCTAssertEqual(s.cursor, 0)
        XCTAssertEqual(s.text, "hxéllo 日 ")
    }

    func testCombiningMarkTypedSeparatelyJoinsPreviousCharacter() {
        var s = ChatInputState()
        s.insert("e")
        s.insert("\u{301}")
        XCTAssertEqual(s.text.count, 1)
        XCTAssertEqual(s.cursor, 1)
        s.backspace()
        XCTAssertEqual(s.text, "")
    }

    func testRowsAndCursorWithWideCharacters() {
        var s = ChatInputState(text: "ab日本語")             // widths 1,1,2,2,2 = 8
        var r = s.rows(width: 5)
        XCTAssertEqual(r.rows, ["ab日", "本語"])
        XCTAssertEqual(r.cursorRow, 1)
        XCTAssertEqual(r.cursorCol, 4)
        s.home(); s.right(); s.right(); s.right()
        r = s.rows(width: 5)
        XCTAssertEqual(r.cursorRow, 1)
        XCTAssertEqual(r.cursorCol, 0)
        // Cursor at the end of an exactly full row moves to the next row.
        let full = ChatInputState(text: "abcde")
        let rf = full.rows(width: 5)
        XCTAssertEqual(rf.rows, ["abcde", ""])
        XCTAssertEqual(rf.cursorRow, 1)
        XCTAssertEqual(rf.cursorCol, 0)
    }

    func testLengthIsCapped() {
        var s = ChatInputState(text: String(repeating: "x", count: ChatInputState.maxLength - 1))
        s.insert("ab")
        XCTAssertEqual(s.text.count, ChatInputState.maxLength)
        XCTAssertEqual(s.cursor, ChatInputState.maxLength)
    }

    func testSingleLineKeepsCursorVisible() {
        let s = ChatInputState(text: "abcdefghijklmnop")
        let (shown, col) = s.singleLine(width: 6)
        XCTAssertEqual(shown, "lmnop")
        XCTAssertEqual(col, 5)
    }
}

final class AnswerAndChatStateTests: XCTestCase {
    func testAnswerStateRefusesOutOfRange() {
        var a = AnswerState()
        XCTAssertFalse(a.choose(4))
        XCTAssertNil(a.choice)
        XCTAssertTrue(a.choose(3))
        XCTAssertFalse(a.setConfidence(5, levels: 5))
        XCTAssertEqual(a.missing(), "Choose a confidence (1-5) first.")
        XCTAssertEqual(a.missing(levels: 7), "Choose a confidence (1-7) first.")
        XCTAssertTrue(a.setConfidence(4, levels: 5))
        XCTAssertTrue(a.isComplete)
        XCTAssertNil(a.missing())
    }

    func testChatScrollClamps() {
        var c = ChatViewState(entries: [.user("hi")])
        c.scroll(by: 10, totalLines: 30, rows: 8)
        XCTAssertEqual(c.scrollBack, 10)
        c.scroll(by: 100, totalLines: 30, rows: 8)
        XCTAssertEqual(c.scrollBack, 22)
        c.scroll(by: -100, totalLines: 30, rows: 8)
        XCTAssertEqual(c.scrollBack, 0)
    }

    func testChatLinesMarkPartialAndFailedReplies() {
        let c = ChatViewState(entries: [
            .user("What happened?"),
            .assistant(text: "The storm", status: .cancelled, error: nil),
            .resetDivider,
            .assistant(text: "", status: .failed, error: "Assistant unreachable: refused"),
        ])
        let text = c.lines(width: 60, streaming: StreamingReply(requestID: 3), frame: 1).map(\.0)
        XCTAssertTrue(text.contains("  [reply cancelled; text above is partial]"))
        XCTAssertTrue(text.contains { $0.contains("assistant context reset") })
        XCTAssertTrue(text.contains("  [reply failed: Assistant unreachable: refused]"))
        XCTAssertEqual(text.last, "Assistant is typing..")
    }
}
