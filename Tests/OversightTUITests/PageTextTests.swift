import XCTest
@testable import OversightTUI

final class PageTextTests: XCTestCase {
    private let markdown = """
    # Instructions for participants

    Thank you for taking part. You will answer questions, each with four
    options (A to D).

    ## How the session works

    - The study has blocks. In some blocks an AI assistant is available in
      a chat pane.
    - **The assistant can be wrong**, so check what it says.

    | Key | What it does |
    |---|---|
    | Tab / Shift-Tab | Move to the next / previous pane |
    | F2 | Go to the passage (arrow keys, Page Up / Page Down to scroll) |
    """

    func testMarkdownBecomesReadableLines() {
        let lines = Screens.pageLines(PageText.blocks(markdown, width: 40), width: 40).map(\.0)
        XCTAssertEqual(lines, [
            "Instructions for participants",
            "",
            "Thank you for taking part. You will",
            "answer questions, each with four options",
            "(A to D).",
            "",
            "How the session works",
            "",
            "• The study has blocks. In some blocks",
            "  an AI assistant is available in a chat",
            "  pane.",
            "• The assistant can be wrong, so check",
            "  what it says.",
            "",
            "Key            What it does",
            "Tab / Shift-Tab  Move to",                 // wider than the key column (40 / 3)
            "               the next / previous pane",
            "F2             Go to the passage (arrow",
            "               keys, Page Up / Page Down",
            "               to scroll)",
        ])
        XCTAssertTrue(lines.allSatisfy { DisplayWidth.of($0) <= 40 })
    }

    func testHeadingsAndTableHeaderAreTitles() {
        let blocks = PageText.blocks(markdown, width: 40)
        XCTAssertEqual(blocks.filter { $0.style == Style(.title, bold: true) }.map(\.text),
                       ["Instructions for participants", "How the session works", "What it does"])
        XCTAssertFalse(blocks.contains { $0.text.contains("**") || $0.text.contains("#") || $0.text.contains("|") })
    }

    func testPlainParagraphsAreUnchanged() {
        let blocks = PageText.blocks("Answer carefully.\n\nThe assistant can be wrong.", width: 60)
        XCTAssertEqual(blocks, [PageBlock("Answer carefully.", gapBefore: false), PageBlock("The assistant can be wrong.")])
        // Not Markdown: "#1" is no heading, "-3" no list item.
        XCTAssertEqual(PageText.blocks("#1 rule\n-3 degrees", width: 60).map(\.text), ["#1 rule -3 degrees"])
    }

    func testInstructionsPageScrollsToTheLastLine() {
        let size = Size(cols: 80, rows: 24)
        let maxTop = Screens.instructionsMaxTop(markdown, size: size)
        var canvas = Canvas(size: size)
        Screens.instructions(markdown, top: maxTop, size: size, into: &canvas)
        let rows = canvas.grid.plainLines()
        let pad = String(repeating: " ", count: 15)
        XCTAssertTrue(rows.contains { $0.contains("F2" + pad + "Go to the passage (arrow keys, Page Up / Page Down to") })
        XCTAssertTrue(rows.contains { $0.hasPrefix("┃" + String(repeating: " ", count: 19) + "scroll) ") })
    }
}
