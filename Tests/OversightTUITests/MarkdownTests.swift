import XCTest
import OversightCore
@testable import OversightTUI

/// Markdown in replies is drawn, not shown raw; the log keeps the text as sent.
final class MarkdownTests: XCTestCase {
    private func text(_ line: [StyledRun]) -> String { line.map(\.text).joined() }
    private func plainLines(_ md: String, width: Int = 60) -> [String] { Markdown.lines(md, width: width).map(text) }

    func testBoldItalicsAndCodeLoseTheirMarksAndKeepTheirStyle() {
        let runs = Markdown.inline("On **July 6th:** the *keeper* ran `log.txt` and __left__.", base: .plain)
        XCTAssertEqual(runs.map(\.text).joined(), "On July 6th: the keeper ran log.txt and left.")
        XCTAssertEqual(runs.first { $0.text == "July 6th:" }?.style, Style(.normal, bold: true))
        XCTAssertEqual(runs.first { $0.text == "keeper" }?.style, Style(.normal, underline: true))
        XCTAssertEqual(runs.first { $0.text == "log.txt" }?.style, Markdown.codeStyle)
        XCTAssertEqual(runs.first { $0.text == "left" }?.style, Style(.normal, bold: true))
        let both = Markdown.inline("***both*** and **bold with *italic* inside**", base: .plain)
        XCTAssertEqual(both.map(\.text).joined(), "both and bold with italic inside")
        XCTAssertEqual(both.first { $0.text == "both" }?.style, Style(.normal, bold: true, underline: true))
        XCTAssertEqual(both.first { $0.text == "italic" }?.style, Style(.normal, bold: true, underline: true))
    }

    func testBoxedAnswerIsShownBold() {
        let runs = Markdown.inline("The answer is \\boxed{47}.", base: .plain)
        XCTAssertEqual(runs.map(\.text).joined(), "The answer is 47.")
        XCTAssertEqual(runs.first { $0.text == "47" }?.style.bold, true)
        XCTAssertEqual(Markdown.inline("\\boxed{\\frac{1}{2}}", base: .plain).map(\.text).joined(), "\\frac{1}{2}")
    }

    func testMarksThatAreNotMarkdownStayAsTyped() {
        for s in ["2 * 3 * 4 = 24", "use snake_case_names here", "a lone ** here", "price: 5*", "`unclosed code",
                  "file_name_here.txt", "* not an item without text after", "C:\\path\\to"] {
            let runs = Markdown.inline(s, base: .plain)
            XCTAssertEqual(runs.map(\.text).joined(), s, s)
        }
        XCTAssertEqual(Markdown.inline("an escaped \\*star\\*", base: .plain).map(\.text).joined(), "an escaped *star*")
    }

    func testHeadingsListsQuotesRulesAndCodeBlocks() {
        let md = """
            ## Summary ##
            The keeper:

            - left on the **1st** day
            - never came back, which everyone in the village noticed at once
              - not even once
            1. first
            2) second
            > quoted text
            ---
            ```swift
            let x = 1  // kept as typed: **not bold**
            ```
            """
        let lines = Markdown.lines(md, width: 30)
        XCTAssertEqual(lines.map(text), [
            "Summary", "The keeper:", "",
            "• left on the 1st day",
            "• never came back, which",
            "  everyone in the village",
            "  noticed at once",
            "  ◦ not even once",
            "1. first", "2) second",
            "│ quoted text",
            String(repeating: "─", count: 30),
            "let x = 1  // kept as typed:",
            "**not bold**",
        ])
        XCTAssertEqual(lines[0].first?.style, Markdown.headingStyle)
        XCTAssertEqual(lines[3].first { $0.text == "1st" }?.style.bold, true)
        XCTAssertEqual(lines[12].first?.style, Markdown.codeStyle)
    }

    func testWrapsBetweenWordsWithStylesSplitAcrossLines() {
        let lines = Markdown.lines("Before **a bold phrase that wraps over two lines** after", width: 20)
        XCTAssertEqual(lines.map(text), ["Before a bold phrase", "that wraps over two", "lines after"])
        XCTAssertEqual(lines[1], [StyledRun("that wraps over two", Style(.normal, bold: true))])
        XCTAssertEqual(lines[2], [StyledRun("lines", Style(.normal, bold: true)), StyledRun(" after", .plain)])
        for l in lines { XCTAssertLessThanOrEqual(DisplayWidth.of(text(l)), 20) }
    }

    func testWideCharactersAndCombiningMarks() {
        let lines = Markdown.lines("**日本語の答え** は cafe\u{301} と *naïve* です", width: 12)
        for l in lines { XCTAssertLessThanOrEqual(DisplayWidth.of(text(l)), 12, text(l)) }
        XCTAssertEqual(lines.map(text).joined(separator: " "), "日本語の答え は cafe\u{301} と naïve です")
        XCTAssertEqual(lines[0].first?.text, "日本語の答え")
        XCTAssertEqual(lines[0].first?.style.bold, true)
    }

    func testTheTranscriptDrawsMarkdownAndTheLogKeepsTheRawText() throws {
        let h = try Harness(size: Size(cols: 80, rows: 24))
        let reply = "**July 6th:** the keeper left.\n- the answer is \\boxed{47}"
        h.run(.key(.enter), .type("When?"), .key(.enter), .chunk(requestID: 1, .text(reply)),
              .chunk(requestID: 1, .done(AssistantUsage())))
        let screen = h.screen
        XCTAssertTrue(screen.contains("July 6th: the keeper"), screen)
        XCTAssertTrue(screen.contains("• the answer is 47"), screen)
        XCTAssertFalse(screen.contains("**"), screen)
        XCTAssertFalse(screen.contains("boxed"), screen)
        let frame = h.backend.lastFrame
        let lines = frame.plainLines()
        let row = try XCTUnwrap(lines.firstIndex { $0.contains("July 6th:") })
        let col = try XCTUnwrap(lines[row].range(of: "July")).lowerBound.utf16Offset(in: lines[row])
        // The column counts cells only for ASCII before it, which the frame border is not: find the cell.
        var found = false
        for c in 0..<frame.size.cols where frame[c, row].text == "J" && frame[c + 1, row].text == "u" {
            XCTAssertTrue(frame[c, row].style.bold)
            found = true
        }
        XCTAssertTrue(found, "\(col)")
        let logged = h.log.records.compactMap { r -> String? in
            if case .assistantReply(let a) = r.event { return a.text }
            return nil
        }
        XCTAssertEqual(logged, [reply])
    }

    /// One heading rule for the transcript and the instructions page: a closing run of marks
    /// after a space is dropped, a `#` that is part of a word stays.
    func testHeadingClosingMarks() {
        XCTAssertEqual(Markdown.heading("## Title ##"), "Title")
        XCTAssertEqual(Markdown.heading("## Learning C#"), "Learning C#")
        XCTAssertEqual(Markdown.heading("# Plain"), "Plain")
        XCTAssertNil(Markdown.heading("#hashtag"))
        XCTAssertNil(Markdown.heading("####### seven"))
    }
}
