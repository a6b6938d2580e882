import OversightCore
import XCTest
@testable import OversightTUI

/// A QuALITY question whose question and options do not fit the answer pane at 80x24 is never
/// cut: it scrolls with PgUp/PgDn, and the confidence scale stays in view.
final class AnswerPaneScrollTests: XCTestCase {
    private let long = Question(
        id: "long", task: .quality, subject: "The Northern Ridge",
        text: "Considering everything the captain wrote in the log during the long winter on the northern ridge, "
            + "which of the following best explains why nobody believed the radio operator after the storm?",
        options: [
            "He had lied before about the weather reports, and the crew remembered each of those lies whenever he spoke about the sky or the sea",
            "The lighthouse keeper contradicted every message he sent that week, and the keeper had never once been wrong about a ship",
            "He was new to the expedition, had arrived on the last boat before the ice, and nobody yet knew whether to trust him",
            "His radio had been broken since the first day, so the messages he claimed to receive could not have reached him at all",
        ],
        gold: 1, passage: Fixtures.passage, metadata: QuestionMetadata(difficult: true, source: "t.jsonl", line: 1))

    private func draw(top: Int) -> [String] {
        var canvas = Canvas(size: Size(cols: 80, rows: 13))
        AnswerPane.render(question: long, answer: AnswerState(choice: 3), scale: Study.defaultConfidence, showQuestion: true,
                          notice: nil, locked: false, focused: true, top: top, into: &canvas,
                          rect: Rect(col: 0, row: 0, width: 80, height: 13))
        return canvas.grid.plainLines()
    }

    func testLongQuestionScrollsWholeInsteadOfBeingCut() {
        let full = AnswerPane.fullRows(question: long, showQuestion: true, innerWidth: 76)
        XCTAssertGreaterThan(full.count + 1, 11)
        let topScreen = draw(top: 0)
        XCTAssertTrue(topScreen[0].contains("PgDn: more below"), topScreen[0])
        XCTAssertTrue(topScreen[1].hasPrefix("┃ Q: Considering everything"), topScreen[1])
        XCTAssertTrue(topScreen[11].hasPrefix("┃ Confidence:"), topScreen[11])
        let bottom = draw(top: 100)
        XCTAssertTrue(bottom[0].contains("PgUp: more above"), bottom[0])
        XCTAssertTrue(bottom[10].contains("reached him at all"), bottom[10])
        XCTAssertTrue(bottom[11].hasPrefix("┃ Confidence:"), bottom[11])
        // Every line of the question and options is shown at some scroll position, none cut.
        var seen = Set<String>()
        for top in 0...full.count { for row in draw(top: top) { seen.insert(row) } }
        XCTAssertFalse(seen.contains { $0.contains("…") })
        for r in full { XCTAssertTrue(seen.contains { $0.contains(r.text) }, r.text) }
    }

    func testShortQuestionDoesNotScroll() {
        var canvas = Canvas(size: Size(cols: 80, rows: 13))
        AnswerPane.render(question: Fixtures.quality(1), answer: AnswerState(), scale: Study.defaultConfidence,
                          showQuestion: true, notice: nil, locked: false, focused: true, top: 5, into: &canvas,
                          rect: Rect(col: 0, row: 0, width: 80, height: 13))
        let rows = canvas.grid.plainLines()
        XCTAssertFalse(rows[0].contains("more"), rows[0])
        XCTAssertTrue(rows[1].hasPrefix("┃ Q: Why did nobody believe"), rows[1])
    }

    func testPageKeysInTheAnswerPaneScrollAndANewQuestionStartsAtTheTop() {
        var study = Fixtures.study()
        study.blocks[0][0] = long
        var c = Core(study: study)
        c.key(.enter)
        XCTAssertEqual(c.state.question?.id, "long")
        c.key(.function(3))
        XCTAssertEqual(c.key(.pageDown), [])
        XCTAssertGreaterThan(c.state.answerTop, 0)
        for _ in 0..<10 { c.key(.pageDown) }
        let maxTop = c.state.answerTop
        c.key(.pageDown)
        XCTAssertEqual(c.state.answerTop, maxTop)                      // clamped
        let screen = AppCore.render(c.state, size: c.state.size).plainLines()
        XCTAssertTrue(screen.contains { $0.contains("reached him at all") }, screen.joined(separator: "\n"))
        XCTAssertEqual(c.state.answer.choice, nil)                     // scrolling chooses nothing
        c.key(.char("b")); c.key(.char("3")); c.key(.enter)
        c.key(.enter)                                                  // feedback closes
        XCTAssertEqual(c.state.index, 1)
        XCTAssertEqual(c.state.answerTop, 0)
    }
}
