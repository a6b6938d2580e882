import XCTest
@testable import OversightTUI

final class PaneLabelTests: XCTestCase {
    private func topEdge(width: Int, title: String, focused: Bool) -> String {
        let text = (1...300).map { "Line \($0) of the story." }.joined(separator: "\n")
        let lines = TextLayout.wrap(text, width: width - 2)
        var state = PassageViewState()
        state.setTop(18, lines, rows: 10)
        var canvas = Canvas(size: Size(cols: width, rows: 12))
        PassageView.render(state, text: text, lines: lines, title: title, focused: focused, into: &canvas,
                           rect: Rect(col: 0, row: 0, width: width, height: 12))
        return canvas.grid.plainLines()[0]
    }

    func testNarrowPaneKeepsTheTitleAndShortensThePosition() {
        // The passage pane at 80x24 with a chat: 44 columns.
        XCTAssertEqual(topEdge(width: 44, title: "Passage: The Ninth Crate", focused: true),
                       "┏━ ▸ Passage: The Ninth Crate ━━━━━━━━ 9% ━┓")
        XCTAssertEqual(topEdge(width: 44, title: "Passage: The Ninth Crate", focused: false),
                       "┌─ Passage: The Ninth Crate ────────── 9% ─┐")
    }

    func testWidePaneShowsTheFullPosition() {
        XCTAssertEqual(topEdge(width: 70, title: "Passage: The Ninth Crate", focused: true),
                       "┏━ ▸ Passage: The Ninth Crate ━━━━━━━━━━━━━━━━━━━━━ line 19/300, 9% ━┓")
    }

    func testATitleTooLongEvenThenIsCut() {
        let edge = topEdge(width: 44, title: "Passage: A Very Long Title That Cannot Possibly Fit", focused: false)
        XCTAssertTrue(edge.contains("…"), edge)
        XCTAssertTrue(edge.hasSuffix(" 9% ─┐"), edge)
    }
}
