import XCTest
import OversightCore
@testable import OversightTUI

/// Where the panes go: the passage gets most of a small screen, panes are as tall as their
/// content on a large one, the question lines up with its options, and F7 zooms a pane.
final class LayoutTests: XCTestCase {
    static let small = Size(cols: 80, rows: 24)
    static let large = Size(cols: 200, rows: 60)

    /// One assisted MMLU block.
    static func assistedMMLU() -> ResolvedStudy {
        var assistant = AssistantConfig()
        assistant.provider = .simulated
        let s = Study(id: "mmlu-assisted", seed: 1, feedback: true, confidence: Study.defaultConfidence, instructions: nil,
                      blocks: [StudyBlock(condition: .assisted, bank: "m", bankPath: "m", questions: 2, line: 2)],
                      assistant: assistant, path: "m.toml", hash: String(repeating: "d", count: 64))
        return ResolvedStudy(study: s, blocks: [[Fixtures.mmlu(1), Fixtures.mmlu(2)]])
    }

    private func quality(_ size: Size) -> Core {
        var c = Core(size: size)
        c.key(.enter)
        XCTAssertEqual(c.state.question?.task, .quality)
        return c
    }

    private func screen(_ c: Core) -> [String] { AppCore.render(c.state, size: c.state.size).plainLines() }

    // MARK: - 80x24, QuALITY

    func testPassageGetsMostOfTheWidthBesideTheChatAt80x24() throws {
        let c = quality(Self.small)
        let layout = try XCTUnwrap(AppCore.screenLayout(c.state))
        let chat = try XCTUnwrap(layout.chat)
        let textW = PassageView.textWidth(inner: layout.passage.inner)
        XCTAssertGreaterThanOrEqual(textW, 44)                        // was 40
        XCTAssertGreaterThan(layout.passage.width, chat.width + 10)   // was 44 against 36
        XCTAssertGreaterThanOrEqual(layout.passage.height, 14)
        // The chat keeps enough room for its transcript.
        XCTAssertGreaterThanOrEqual(ChatView.content(chat).width, 28)
    }

    func testALongQuestionLeavesThePassageMostRowsUntilTheAnswerPaneIsUsed() throws {
        var study = Fixtures.study()
        let long = Question(
            id: "long", task: .quality, subject: "The Northern Ridge",
            text: "Considering everything the captain wrote in the log during the long winter on the northern ridge, "
                + "which of the following best explains why nobody believed the radio operator after the storm?",
            options: (1...4).map { "Option \($0): a long answer that goes on about the keeper, the ridge, the storm and the radio until it needs two lines" },
            gold: 1, passage: Fixtures.passage, metadata: QuestionMetadata(difficult: true, source: "t.jsonl", line: 1))
        study.blocks[0][0] = long
        var c = Core(study: study, size: Self.small)
        c.key(.enter)
        XCTAssertEqual(c.state.focus, .chat)
        var layout = try XCTUnwrap(AppCore.screenLayout(c.state))
        XCTAssertEqual(layout.passage.height, 14)                   // 12 lines of text; was 9 rows (7 lines)
        XCTAssertEqual(layout.answer.height, 8)
        var rows = screen(c)
        XCTAssertTrue(rows[15].contains("PgDn: more below"), rows[15])   // scrolls, never cut
        XCTAssertFalse(rows[15...22].joined().contains("…"), rows[15...22].joined(separator: "\n"))
        // While the answer pane has the focus it takes the room it needs (up to 60%).
        c.key(.function(3))
        layout = try XCTUnwrap(AppCore.screenLayout(c.state))
        XCTAssertEqual(layout.answer.height, 13)
        XCTAssertEqual(layout.passage.height, 9)
        rows = screen(c)
        XCTAssertTrue(rows.contains { $0.contains("Option 3") }, rows.joined(separator: "\n"))
        // Back in the passage, the reading position is where it was.
        c.key(.function(2))
        XCTAssertEqual(try XCTUnwrap(AppCore.screenLayout(c.state)).passage.height, 14)
    }

    func testPassageBorderKeepsItsTitleAndTheLinePosition() {
        let rows = screen(quality(Self.small))
        XCTAssertTrue(rows[1].hasPrefix("┌─ Passage: The Northern Ridge ──"), rows[1])
        XCTAssertFalse(rows[1].contains("%"), rows[1])
        XCTAssertTrue(rows.contains { $0.hasPrefix("└") && $0.contains(" line 1/239, 5% ─┘") }, rows.joined(separator: "\n"))
    }

    // MARK: - Zoom

    func testZoomFillsTheScreenWithTheFocusedPaneAndBack() throws {
        var c = quality(Self.small)
        c.key(.function(2))
        for _ in 0..<5 { c.key(.down) }
        let offset = c.state.passage.topOffset
        XCTAssertGreaterThan(offset, 0)
        let logged = c.logged.count
        XCTAssertEqual(c.key(.function(AppCore.zoomKey)), [])          // presentation only: nothing logged
        XCTAssertEqual(c.logged.count, logged)
        XCTAssertTrue(c.state.zoomed)
        var rows = screen(c)
        XCTAssertTrue(rows[0].contains("Focus: Passage, zoomed"), rows[0])
        XCTAssertTrue(rows[1].hasPrefix("┏━ ▸ Passage: The Northern Ridge"), rows[1])
        XCTAssertTrue(rows[1].hasSuffix("┓"), rows[1])
        XCTAssertEqual(rows[1].count, 80)
        XCTAssertTrue(rows[22].hasPrefix("┗") && rows[22].hasSuffix("┛"), rows[22])
        XCTAssertFalse(rows.joined().contains("Your answer"))
        XCTAssertFalse(rows.joined().contains("Assistant chat"))
        XCTAssertTrue(rows[23].contains("F7 unzoom"), rows[23])
        // 20 rows of 76 columns of text, from the same place in the text.
        let g = try XCTUnwrap(AppCore.passageGeometry(c.state))
        XCTAssertEqual(g.rows, 20)
        XCTAssertEqual(g.lines.map(\.width).max(), 76)
        XCTAssertEqual(g.lines[c.state.passage.topLine(g.lines, rows: g.rows)].start, offset)
        XCTAssertTrue(rows[2].hasPrefix("┃ " + g.lines[c.state.passage.topLine(g.lines, rows: g.rows)].text), rows[2])
        // Scrolling works while zoomed, by a zoomed page.
        c.key(.pageDown)
        XCTAssertEqual(c.state.passage.topLine(g.lines, rows: g.rows), PassageViewState.lineIndex(of: offset, in: g.lines) + 19)
        // Tab shows the next pane full screen: the answer pane, every option whole.
        c.key(.tab)
        XCTAssertEqual(c.state.focus, .answer)
        rows = screen(c)
        XCTAssertTrue(rows[1].hasPrefix("┏━ ▸ Your answer"), rows[1])
        XCTAssertTrue(rows.contains { $0.contains("His radio had been broken since the first day") })
        XCTAssertFalse(rows.joined().contains("Paragraph"))
        // Choosing still works there, and F7 brings every pane back.
        c.key(.char("b"))
        XCTAssertEqual(c.state.answer.choice, 1)
        c.key(.function(AppCore.zoomKey))
        XCTAssertFalse(c.state.zoomed)
        rows = screen(c)
        XCTAssertTrue(rows.joined().contains("Passage: The Northern Ridge"))
        XCTAssertTrue(rows.joined().contains("Assistant chat"))
        XCTAssertTrue(rows.joined().contains("Your answer"))
    }

    func testZoomedChatKeepsTakingTextAndANewQuestionStartsUnzoomed() {
        var c = quality(Self.small)
        XCTAssertEqual(c.state.focus, .chat)
        c.key(.function(AppCore.zoomKey))
        c.type("Where was the keeper?")
        XCTAssertEqual(c.state.input.text, "Where was the keeper?")
        let rows = screen(c)
        XCTAssertTrue(rows[1].hasPrefix("┏━ ▸ Assistant chat"), rows[1])
        XCTAssertTrue(rows.contains { $0.contains("> Where was the keeper?") })
        c.key(.function(3))
        c.type("a1")
        c.key(.enter)            // submit
        c.key(.enter)            // close the feedback
        XCTAssertEqual(c.state.index, 1)
        XCTAssertFalse(c.state.zoomed)
    }

    // MARK: - 200x60, MMLU

    func testMMLUPanesFitTheirContentAndTheQuestionLinesUpWithTheOptions() throws {
        for (study, assisted) in [(Fixtures.mmluOnly(), false), (Self.assistedMMLU(), true)] {
            var c = Core(study: study, size: Self.large)
            XCTAssertEqual(c.state.question?.task, .mmlu)
            c.key(.function(3))
            let layout = try XCTUnwrap(AppCore.screenLayout(c.state))
            // The question pane holds its 2 lines (the options are in the answer pane only); the
            // answer pane follows it at once.
            XCTAssertEqual(layout.passage.height, 2 + 2, "assisted: \(assisted)")
            XCTAssertEqual(layout.answer.row, layout.passage.maxRow)
            XCTAssertEqual(layout.answer.height, 4 + 1 + 2)
            XCTAssertEqual(layout.answer.col, layout.passage.col)
            XCTAssertEqual(layout.answer.width, layout.passage.width)
            XCTAssertLessThanOrEqual(layout.passage.width, ScreenLayout.maxReadingPaneWidth)
            let rows = screen(c)
            XCTAssertEqual(rows.filter { $0.contains("16 m/s²") }.count, 1, "options are shown once")
            let q = try XCTUnwrap(rows.first { $0.contains("A particle moves") })
            let option = try XCTUnwrap(rows.first { $0.contains("( ) A") })
            let qCol = q.distance(from: q.startIndex, to: try XCTUnwrap(q.range(of: "A particle")).lowerBound)
            let oCol = option.distance(from: option.startIndex, to: try XCTUnwrap(option.range(of: "( ) A")).lowerBound)
            XCTAssertEqual(qCol, oCol, "the question starts in the options' column")
            XCTAssertEqual(qCol, 2)
            if assisted {
                // The chat takes the whole height beside the column.
                let chat = try XCTUnwrap(layout.chat)
                XCTAssertEqual(chat.row, 1)
                XCTAssertEqual(chat.height, Self.large.rows - 2)
                XCTAssertEqual(chat.col, layout.passage.maxCol)
                XCTAssertEqual(chat.maxCol, Self.large.cols)
            } else {
                XCTAssertNil(layout.chat)
            }
        }
    }

    func testALongMMLUQuestionStillScrollsInItsPane() throws {
        var study = Fixtures.mmluOnly()
        let long = (1...60).map { "Sentence \($0) of a long source passage." }.joined(separator: " ")
        study.blocks[0][0] = Question(id: "mmlu/x/val/1", task: .mmlu, subject: "world_history", text: long,
                                      options: ["one", "two", "three", "four"], gold: 0, passage: nil,
                                      metadata: QuestionMetadata(source: "x.csv", line: 1))
        let c = Core(study: study, size: Self.small)
        let layout = try XCTUnwrap(AppCore.screenLayout(c.state))
        XCTAssertEqual(layout.passage.height + layout.answer.height, Self.small.rows - 2)
        let rows = screen(c)
        XCTAssertTrue(rows.contains { $0.contains("line 1/") && $0.hasPrefix("└") }, rows.joined(separator: "\n"))
    }

    /// At 80x24 beside the chat, long MMLU options take the rows a short question leaves
    /// rather than scrolling with empty rows below the answer pane.
    func testLongMMLUOptionsUseTheRowsTheQuestionLeaves() throws {
        var study = Self.assistedMMLU()
        let option = "A computer system that does one particular thing for clients over a network"
        study.blocks[0][0] = Question(id: "mmlu/x/val/1", task: .mmlu, subject: "computer_security",
                                      text: "Which of the following best describes a Web server?",
                                      options: [option + " (A)", option + " (B)", option + " (C)", option + " (D)"],
                                      gold: 0, passage: nil, metadata: QuestionMetadata(source: "x.csv", line: 1))
        var c = Core(study: study, size: Self.small)
        c.key(.enter)
        let layout = try XCTUnwrap(AppCore.screenLayout(c.state))
        let rows = screen(c).joined(separator: "\n")
        for letter in ["(A)", "(B)", "(C)", "(D)"] {
            XCTAssertTrue(rows.contains("network " + letter), "option \(letter) is shown:\n\(rows)")
        }
        XCTAssertFalse(rows.contains("more below"), rows)
        XCTAssertLessThanOrEqual(layout.passage.height + layout.answer.height, Self.small.rows - 2)
    }

    // MARK: - Answer pane in a narrow column

    func testConfidenceScaleWrapsInsteadOfBeingCut() {
        var canvas = Canvas(size: Size(cols: 48, rows: 10))
        AnswerPane.render(question: Fixtures.mmlu(1), answer: AnswerState(choice: 0, confidenceLevel: 4),
                          scale: Study.defaultConfidence, showQuestion: false, notice: nil, locked: false, focused: true,
                          into: &canvas, rect: Rect(col: 0, row: 0, width: 48, height: 10))
        let rows = canvas.grid.plainLines()
        XCTAssertTrue(rows.joined(separator: "\n").contains("[5 Certain (100%)]"), rows.joined(separator: "\n"))
        XCTAssertTrue(rows[5].hasPrefix("┃ Confidence:  1 25%"), rows[5])
        XCTAssertEqual(AnswerPane.innerHeight(question: Fixtures.mmlu(1), showQuestion: false, innerWidth: 44, maxInner: 20), 6)
    }

    func testANarrowAnswerPaneShortensItsStatusInsteadOfCuttingIt() {
        func footer(_ answer: AnswerState) -> String {
            var canvas = Canvas(size: Size(cols: 48, rows: 10))
            AnswerPane.render(question: Fixtures.mmlu(1), answer: answer, scale: Study.defaultConfidence,
                              showQuestion: false, notice: nil, locked: false, focused: true,
                              into: &canvas, rect: Rect(col: 0, row: 0, width: 48, height: 10))
            return canvas.grid.plainLines()[9]
        }
        XCTAssertTrue(footer(AnswerState()).contains(" Choose a-d and 1-5 first. "), footer(AnswerState()))
        let ready = footer(AnswerState(choice: 2, confidenceLevel: 3))
        XCTAssertTrue(ready.contains(" C, 80%: Enter submits. "), ready)
        XCTAssertFalse(ready.contains("…"), ready)
    }
}
