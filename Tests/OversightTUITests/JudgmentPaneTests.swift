import XCTest
import OversightCore
@testable import OversightTUI

final class JudgmentPaneTests: XCTestCase {
    func testStartsEvenAndSumsToOneOverOriginalIndices() {
        let two = JudgmentState(shown: [2, 0])
        XCTAssertEqual(two.percents, [50, 50])
        XCTAssertEqual(two.probabilities, [0.5, 0, 0.5, 0])
        let four = JudgmentState(shown: [0, 1, 2, 3])
        XCTAssertEqual(four.percents, [25, 25, 25, 25])
        XCTAssertEqual(four.probabilities.reduce(0, +), 1, accuracy: 1e-12)
        // Three options cannot split 100 evenly in 5% steps: the remainder goes to the first.
        XCTAssertEqual(JudgmentState.even(3), [35, 35, 30])
        XCTAssertEqual(JudgmentState.even(3).reduce(0, +), 100)
    }

    func testTwoOptionsAreOneNumberBetweenFiveAndNinetyFive() {
        var j = JudgmentState(shown: [3, 1])
        for _ in 0..<20 { _ = j.handle(.right) }
        XCTAssertEqual(j.percents, [95, 5], "never above 95%")
        XCTAssertFalse(j.raise())
        for _ in 0..<40 { _ = j.handle(.left) }
        XCTAssertEqual(j.percents, [5, 95], "never below 5%")
        XCTAssertTrue(j.handle(.char("b")))
        XCTAssertEqual(j.selected, 1)
        XCTAssertTrue(j.handle(.char("-")))
        XCTAssertEqual(j.percents, [10, 90])
        XCTAssertEqual(j.answer, 1, "the answer is the original index of the shown option B")
        XCTAssertEqual(j.probabilities, [0, 0.9, 0, 0.1])
    }

    func testFourOptionKeysKeepTheSumAtOneHundred() {
        var j = JudgmentState(shown: [0, 1, 2, 3])
        // Raising A takes from the largest other option (the first such on screen on a tie).
        XCTAssertTrue(j.raise())
        XCTAssertEqual(j.percents, [30, 20, 25, 25])
        XCTAssertTrue(j.raise())
        XCTAssertEqual(j.percents, [35, 20, 20, 25])
        // Lowering D gives to the smallest other option (the first on a tie: B).
        j.selected = 3
        XCTAssertTrue(j.lower())
        XCTAssertEqual(j.percents, [35, 25, 20, 20])
        // Drive every key many times: the sum and the bounds hold throughout.
        let keys: [Key] = [.up, .right, .down, .down, .left, .right, .right, .char("c"), .left, .char("+"), .down]
        for k in 0..<300 {
            _ = j.handle(keys[k % keys.count])
            XCTAssertTrue(JudgmentState.isValid(j.percents, count: 4), "\(j.percents) after \(k + 1) keys")
        }
        // The most one option can hold when three others keep 5% each.
        j.selected = 0
        for _ in 0..<30 { j.raise() }
        XCTAssertEqual(j.percents, [85, 5, 5, 5])
        XCTAssertTrue(j.handle(.char("=")))
        XCTAssertEqual(j.percents, [25, 25, 25, 25])
    }

    func testATieHasNoAnswerUntilTheParticipantRaisesOne() {
        var j = JudgmentState(shown: [1, 3])
        XCTAssertNil(j.answer)
        XCTAssertEqual(j.finalProblem, "A and B are tied: give the one you choose more (→) first.")
        j.selected = 1
        XCTAssertTrue(j.handle(.right))
        XCTAssertEqual(j.answer, 3)
        XCTAssertNil(j.finalProblem)
        var four = JudgmentState(shown: [0, 1, 2, 3], percents: [40, 40, 10, 10])
        XCTAssertNil(four.answer)
        XCTAssertEqual(four.finalProblem, "A and B are tied: give the one you choose more (→) first.")
        four.selected = 2
        four.raise()   // C takes 5% from A (the first of the largest): B now leads alone
        XCTAssertEqual(four.percents, [35, 40, 15, 10])
        XCTAssertEqual(four.answer, 1)
        var two = JudgmentState(shown: [0, 1])
        XCTAssertFalse(two.handle(.char(" ")), "Space is not a judgment key")
    }

    func testInvalidStartingPercentsFallBackToEven() {
        XCTAssertEqual(JudgmentState(shown: [0, 1], percents: [60, 30]).percents, [50, 50])
        XCTAssertEqual(JudgmentState(shown: [0, 1], percents: [100, 0]).percents, [50, 50])
        XCTAssertEqual(JudgmentState(shown: [0, 1], percents: [62, 38]).percents, [50, 50])
        XCTAssertEqual(JudgmentState(shown: [0, 1], percents: [65, 35]).percents, [65, 35])
    }

    func testRowsShowBarsAndMarksWithoutColour() {
        var j = JudgmentState(shown: [0, 2], percents: [70, 30])
        j.selected = 1
        let rows = JudgmentPane.rows(j, focused: true, width: 30).map { $0.map(\.0).joined() }
        // A 6-cell bar ((30 - 10) / 3): 70% fills 4 cells (4.2 rounded), 30% fills 2 (1.8).
        XCTAssertEqual(rows, ["  A   70% " + String(repeating: "█", count: 4) + String(repeating: "░", count: 2),
                              "▸ B   30% " + String(repeating: "█", count: 2) + String(repeating: "░", count: 4)])
        let labelled = JudgmentPane.rows(j, labels: ["The storm", "A lie"], focused: false, width: 80)
        XCTAssertEqual(labelled[1].map(\.0).joined(), "  B   30% " + String(repeating: "█", count: 6)
                       + String(repeating: "░", count: 14) + "  A lie", "unfocused: no selection mark")
        // A label too long for its row wraps under its first line: every word is on screen.
        let long = "A local agricultural inspector cut and examined some of them and wrote one on a form meant for cattle."
        let wrapped = JudgmentPane.rows(j, labels: ["Short", long], focused: false, width: 60).map { $0.map(\.0).joined() }
        XCTAssertEqual(wrapped.count, 1 + 4)
        XCTAssertTrue(wrapped.allSatisfy { DisplayWidth.of($0) <= 60 }, "\(wrapped)")
        XCTAssertTrue(wrapped[2].hasPrefix(String(repeating: " ", count: 28)))
        XCTAssertEqual(wrapped.dropFirst().map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
                       .components(separatedBy: "░").last?.trimmingCharacters(in: .whitespaces), long)
    }
}

final class QuoteMarkupTests: XCTestCase {
    func testSegmentsTakeTheirFlagsInOrder() {
        let text = "See <quote>the radio was broken</quote> and <quote>nobody came</quote>, then <quote>open"
        XCTAssertEqual(QuoteMarkup.segments(text, verified: [true, false]), [
            .text("See "), .quote("the radio was broken", verified: true), .text(" and "),
            .quote("nobody came", verified: false), .text(", then "), .quote("open", verified: false),
        ])
        XCTAssertEqual(QuoteMarkup.segments("no quotes", verified: []), [.text("no quotes")])
    }

    func testTagsInAnyLetterCaseGetTheVerdictTheCheckGaveThem() {
        // The check finds <Quote> as well as <quote>: the screen must find the same tags, or
        // every later verdict would land on the wrong quote.
        let passage = NormalizedPassage("A rock off Kerrow Point. The keeper stayed ashore.")
        let speech = "Look: <Quote>A ROCK OFF KERROW POINT</Quote> and also <quote>the captain packed the crate</quote>."
        let checked = QuoteVerifier.check(speech: speech, passage: passage, maxChars: 750, maxQuoteChars: 250)
        XCTAssertEqual(checked.quotes.map(\.verified), [true, false])
        let (text, flags) = AppCore.markedText(checked.text, quotes: checked.quotes)
        XCTAssertEqual(QuoteMarkup.segments(text, verified: flags), [
            .text("Look: "), .quote("A ROCK OFF KERROW POINT", verified: true), .text(" and also "),
            .quote("the captain packed the crate", verified: false), .text("."),
        ])
    }

    func testVerifiedAndUnverifiedDifferByMarkAndStyle() {
        let s = Speech(speaker: "Debater A", stance: "argues for A", text: "x <quote>yes</quote> <quote>no</quote>",
                       verified: [true, false], cut: true, side: 0)
        let (text, styles) = QuoteMarkup.styled(s)
        XCTAssertEqual(text, "x ✓“yes” ✗[no]" + QuoteMarkup.cutMark)
        XCTAssertEqual(styles.count, text.unicodeScalars.count)
        let verified = QuoteMarkup.style(verified: true), unverified = QuoteMarkup.style(verified: false)
        XCTAssertNotEqual(verified.bold, unverified.bold, "not only colour")
        XCTAssertNotEqual(verified.underline, unverified.underline)
        // Styles follow the wrap: the verified quote's letters carry its style on every line.
        let lines = QuoteMarkup.lines(s, width: 8)
        let flat = lines.flatMap { $0 }
        XCTAssertTrue(flat.contains { $0.0.contains("yes") && $0.1 == verified })
        XCTAssertTrue(flat.contains { $0.0.contains("no") && $0.1 == unverified })
        XCTAssertTrue(lines.map { $0.map(\.0).joined() }.joined(separator: " ").contains("✂"))
    }

    func testSpeechesSideBySideWhenWideAndStackedAt80Columns() {
        XCTAssertFalse(SpeechView.sideBySide(count: 2, rect: Rect(col: 0, row: 0, width: 80, height: 10)))
        XCTAssertTrue(SpeechView.sideBySide(count: 2, rect: Rect(col: 0, row: 0, width: 120, height: 10)))
        let stacked = SpeechView.rects(count: 2, rect: Rect(col: 0, row: 1, width: 80, height: 11))
        XCTAssertEqual(stacked, [Rect(col: 0, row: 1, width: 80, height: 5), Rect(col: 0, row: 6, width: 80, height: 6)])
        let wide = SpeechView.rects(count: 2, rect: Rect(col: 0, row: 1, width: 121, height: 30))
        XCTAssertEqual(wide, [Rect(col: 0, row: 1, width: 60, height: 30), Rect(col: 60, row: 1, width: 61, height: 30)])
    }

    func testRenderLabelsEachDebaterAndMarksTheirColumn() {
        let a = Speech(speaker: "Debater A", stance: "argues for A", text: "It is <quote>the storm</quote>.",
                       verified: [true], cut: false, side: 0)
        let b = Speech(speaker: "Debater B", stance: "argues for B", text: "No: <quote>a lie</quote>.",
                       verified: [false], cut: false, side: 1)
        var canvas = Canvas(size: Size(cols: 80, rows: 12))
        SpeechView.render([a, b], title: "Round 1", waiting: nil, focused: false, into: &canvas,
                          rect: Rect(col: 0, row: 0, width: 80, height: 12))
        let lines = canvas.grid.plainLines()
        XCTAssertTrue(lines[0].contains("Round 1 · Debater A · argues for A"), lines[0])
        XCTAssertTrue(lines[6].contains("Debater B · argues for B"), lines[6])
        XCTAssertTrue(lines[1].contains("▌ It is ✓“the storm”."), lines[1])
        XCTAssertTrue(lines[7].contains("▐ No: ✗[a lie]."), lines[7])
    }

    func testQuoteJumpCyclesThroughVerifiedQuotes() {
        let text = Fixtures.passageText
        let lines = TextLayout.wrap(text, width: 60)
        var p = PassageViewState()
        XCTAssertFalse(p.nextQuote([], lines, rows: 10))
        let far = PassageViewState.find("Paragraph 30.", in: text)[0]
        let near = PassageViewState.find("Paragraph 2.", in: text)[0]
        XCTAssertTrue(p.nextQuote([far, near], lines, rows: 10))
        XCTAssertEqual(p.quote, near, "the first in the text comes first")
        XCTAssertTrue(p.nextQuote([far, near], lines, rows: 10))
        XCTAssertEqual(p.quote, far)
        let line = PassageViewState.lineIndex(of: far.lowerBound, in: lines)
        let top = p.topLine(lines, rows: 10)
        XCTAssertTrue(line >= top && line < top + 10, "scrolled into view")
        XCTAssertTrue(p.nextQuote([far, near], lines, rows: 10))
        XCTAssertEqual(p.quote, near, "wraps around")
        // Drawn reversed, unlike plain text.
        var canvas = Canvas(size: Size(cols: 64, rows: 12))
        PassageView.render(p, text: text, lines: lines, title: "Passage", focused: true, into: &canvas,
                           rect: Rect(col: 0, row: 0, width: 64, height: 12))
        XCTAssertTrue(canvas.grid.cells.contains { $0.style.reverse && $0.style.role == .success })
    }
}
