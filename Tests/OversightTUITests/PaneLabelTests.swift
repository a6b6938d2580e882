import XCTest
@testable import OversightTUI

final class PaneLabelTests: XCTestCase {
    private func edges(width: Int, title: String, focused: Bool) -> (top: String, bottom: String) {
        let text = (1...300).map { "Line \($0) of the story." }.joined(separator: "\n")
        let lines = TextLayout.wrap(text, width: width - 2)
        var state = PassageViewState()
        state.setTop(18, lines, rows: 10)
        var canvas = Canvas(size: Size(cols: width, rows: 12))
        PassageView.render(state, text: text, lines: lines, title: title, focused: focused, into: &canvas,
                           rect: Rect(col: 0, row: 0, width: width, height: 12))
        let rows = canvas.grid.plainLines()
        return (rows[0], rows[11])
    }

    func testTheTitleKeepsTheTopEdgeAndThePositionIsOnTheBottomEdge() {
        // A narrow passage pane: the title is whole and the position is not cut to a percentage.
        let e = edges(width: 44, title: "Passage: The Ninth Crate", focused: true)
        XCTAssertEqual(e.top, "┏━ ▸ Passage: The Ninth Crate ━━━━━━━━━━━━━┓")
        XCTAssertEqual(e.bottom, "┗━━━━━━━━━━━━━━━━━━━━━━━━ line 19/300, 9% ━┛")
        XCTAssertEqual(edges(width: 44, title: "Passage: The Ninth Crate", focused: false).bottom,
                       "└──────────────────────── line 19/300, 9% ─┘")
    }

    func testOnlyAVeryNarrowPaneShortensThePosition() {
        XCTAssertEqual(edges(width: 20, title: "Passage", focused: false).bottom, "└───────────── 4% ─┘")
    }

    func testATitleTooLongEvenThenIsCut() {
        let e = edges(width: 44, title: "Passage: A Very Long Title That Cannot Possibly Fit", focused: false)
        XCTAssertTrue(e.top.contains("…"), e.top)
        XCTAssertTrue(e.bottom.hasSuffix(" line 19/300, 9% ─┘"), e.bottom)
    }
}

final class SearchLineTests: XCTestCase {
    func testSearchLineLinesUpWithTheCentredTextOnAWidePane() {
        let text = (1...50).map { "Line \($0) of the story about the keeper." }.joined(separator: "\n")
        let rect = Rect(col: 0, row: 0, width: 110, height: 12)   // inner 108, text column 100 at +4
        let lines = TextLayout.wrap(text, width: PassageView.textWidth(inner: rect.inner))
        var state = PassageViewState()
        state.search("keeper", in: text)
        var canvas = Canvas(size: Size(cols: 110, rows: 12))
        PassageView.render(state, text: text, lines: lines, title: "Passage", focused: true, into: &canvas, rect: rect)
        let rows = canvas.grid.plainLines()
        XCTAssertTrue(rows[1].hasPrefix("┃    Line 1 of the story"), rows[1])
        XCTAssertTrue(rows[10].hasPrefix("┃    Match 1/50 for \"keeper\""), rows[10])
        state.searchPrompt = ChatInputState()
        canvas = Canvas(size: Size(cols: 110, rows: 12))
        PassageView.render(state, text: text, lines: lines, title: "Passage", focused: true, into: &canvas, rect: rect)
        XCTAssertTrue(canvas.grid.plainLines()[10].hasPrefix("┃    Search:"), canvas.grid.plainLines()[10])
        XCTAssertEqual(canvas.grid.cursor?.col, 1 + 4 + 8)
    }
}
