import XCTest
@testable import OversightTUI

/// The chat input breaks rows between words, like the transcript, and the cursor still maps
/// to exactly one cell.
final class ChatInputWrapTests: XCTestCase {
    func testRowsBreakBetweenWords() {
        let s = ChatInputState(text: "Was the radio operator lying about the storm?")
        let r = s.rows(width: 12)
        XCTAssertEqual(r.rows.map { $0.trimmingCharacters(in: .whitespaces) },
                       ["Was the", "radio", "operator", "lying about", "the storm?"])
        // Nothing is lost or repeated: the rows put together are the text.
        XCTAssertEqual(r.rows.joined(), s.text)
        XCTAssertEqual(r.cursorRow, 4)
        XCTAssertEqual(r.cursorCol, 10)
    }

    func testAWordLongerThanARowIsSplit() {
        let s = ChatInputState(text: "see antidisestablishmentarianism now")
        let r = s.rows(width: 10)
        XCTAssertEqual(r.rows, ["see ", "antidisest", "ablishment", "arianism ", "now"])
    }

    func testWideCharactersAndCombiningMarksWrapByWord() {
        // "café" with a combining accent is 4 cells; 日本 is 4 cells.
        let s = ChatInputState(text: "cafe\u{301} 日本 語彙です")
        let r = s.rows(width: 8)
        XCTAssertEqual(r.rows, ["cafe\u{301} ", "日本 ", "語彙です", ""])
        XCTAssertEqual(r.cursorRow, 3)                    // the last row is full: the cursor starts the next
        XCTAssertEqual(r.cursorCol, 0)
    }

    func testCursorPositionsFollowTheWords() {
        var s = ChatInputState(text: "hello world again")
        s.home()
        for _ in 0..<6 { s.right() }                      // before "world"
        var r = s.rows(width: 10)
        XCTAssertEqual(r.rows, ["hello ", "world ", "again"])
        XCTAssertEqual(r.cursorRow, 1)
        XCTAssertEqual(r.cursorCol, 0)
        s.end()
        r = s.rows(width: 10)
        XCTAssertEqual(r.cursorRow, 2)
        XCTAssertEqual(r.cursorCol, 5)
        // A space typed after a word that fills the row: the cursor goes to the next row.
        let full = ChatInputState(text: "hello ")
        r = full.rows(width: 5)
        XCTAssertEqual(r.rows, ["hello ", ""])
        XCTAssertEqual(r.cursorRow, 1)
        XCTAssertEqual(r.cursorCol, 0)
    }

    func testTheDrawnFieldShowsWholeWords() {
        var canvas = Canvas(size: Size(cols: 20, rows: 3))
        ChatInputView.render(ChatInputState(text: "Was the radio operator lying"), placeholder: "", focused: true,
                             into: &canvas, rect: Rect(col: 0, row: 0, width: 15, height: 3))
        XCTAssertEqual(canvas.grid.plainLines(), ["> Was the radio", "  operator", "  lying"])
        XCTAssertEqual(canvas.grid.cursor?.col, 7)
        XCTAssertEqual(canvas.grid.cursor?.row, 2)
    }
}
