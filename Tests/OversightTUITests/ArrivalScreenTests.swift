import OversightCore
@testable import OversightTUI
import XCTest

/// The participant id screen's pure core: typing, checking, the answers of the lookup, render.
final class ArrivalScreenTests: XCTestCase {
    private func type(_ s: String, into state: inout ArrivalState) {
        for c in s { XCTAssertNil(ArrivalScreen.update(&state, key: .char(c))) }
    }

    func testAValidIdIsLookedUpAndANewOneIsAccepted() {
        var state = ArrivalState(label: nil, pattern: nil)
        type("p-01_a", into: &state)
        XCTAssertEqual(ArrivalScreen.update(&state, key: .enter), .lookUp("p-01_a"))
        ArrivalScreen.apply(&state, lookup: .new)
        XCTAssertEqual(state.phase, .accepted(id: "p-01_a", resume: false))
        XCTAssertTrue(state.isDone)
    }

    func testAnEmptyIdAsksAgain() {
        var state = ArrivalState(label: "Prolific ID", pattern: nil)
        XCTAssertNil(ArrivalScreen.update(&state, key: .enter))
        XCTAssertEqual(state.message, "Please type your Prolific ID.")
        XCTAssertEqual(state.phase, .entering)
    }

    func testAnIdBreakingTheIdRulesSaysWhyAndTypingClearsTheMessage() {
        var state = ArrivalState(label: nil, pattern: nil)
        type("p 1", into: &state)
        XCTAssertNil(ArrivalScreen.update(&state, key: .enter))
        XCTAssertEqual(state.message, "Use only letters, digits, '-' and '_' (no spaces).")
        XCTAssertEqual(state.phase, .entering)
        XCTAssertNil(ArrivalScreen.update(&state, key: .backspace))
        XCTAssertNil(state.message)
        XCTAssertEqual(state.input, "p ")
    }

    func testUnicodeIsTypedButRefused() {
        var state = ArrivalState(label: nil, pattern: nil)
        type("zoë🙂", into: &state)
        XCTAssertEqual(state.input, "zoë🙂")
        XCTAssertNil(ArrivalScreen.update(&state, key: .backspace))
        XCTAssertEqual(state.input, "zoë", "backspace removes a whole character")
        XCTAssertNil(ArrivalScreen.update(&state, key: .enter))
        XCTAssertEqual(state.message, "Use only letters, digits, '-' and '_' (no spaces).")
    }

    func testControlCharactersAreNotTyped() {
        var state = ArrivalState(label: nil, pattern: nil)
        type("a\u{7}\u{1B}b", into: &state)
        XCTAssertEqual(state.input, "ab")
    }

    func testTooLongStopsAtTheLimit() {
        var state = ArrivalState(label: nil, pattern: nil)
        type(String(repeating: "a", count: ArrivalState.maxLength), into: &state)
        XCTAssertNil(state.message)
        XCTAssertNil(ArrivalScreen.update(&state, key: .char("b")))
        XCTAssertEqual(state.input.count, ArrivalState.maxLength)
        XCTAssertEqual(state.message, "That is too long: at most 64 characters.")
        XCTAssertEqual(ArrivalScreen.update(&state, key: .enter), .lookUp(String(repeating: "a", count: 64)))
    }

    func testThePatternIsCheckedOnTopOfTheIdRules() {
        var state = ArrivalState(label: "Prolific ID", pattern: "^[0-9a-f]{24}$")
        type("0123456789abcdef0123456", into: &state)
        XCTAssertNil(ArrivalScreen.update(&state, key: .enter))
        XCTAssertEqual(state.message, "That does not look like a Prolific ID. Please check it and try again.")
        type("7", into: &state)
        XCTAssertEqual(ArrivalScreen.update(&state, key: .enter), .lookUp("0123456789abcdef01234567"))
        // A pattern allowing what the id rules refuse does not open them up.
        XCTAssertNotNil(ArrivalScreen.problem(with: "a b", label: "id", pattern: ".*"))
        // Nor one whose log file name belongs to another kind of file in the study folder.
        XCTAssertNotNil(ArrivalScreen.problem(with: "baseline-7", label: "id", pattern: ".*"))
        XCTAssertNil(ArrivalScreen.problem(with: "baseline7", label: "id", pattern: ".*"))
    }

    func testAnUnfinishedSessionIsConfirmedOrDeclined() {
        var state = ArrivalState(label: nil, pattern: nil)
        type("p1", into: &state)
        _ = ArrivalScreen.update(&state, key: .enter)
        ArrivalScreen.apply(&state, lookup: .unfinished(position: "at block 1 question 2"))
        XCTAssertEqual(state.phase, .confirmResume(id: "p1", position: "at block 1 question 2"))
        let shown = ArrivalScreen.render(state, size: Size(cols: 80, rows: 24)).plainLines().joined(separator: "\n")
        XCTAssertTrue(shown.contains("You have started this study before (at block 1 question 2)."), shown)
        XCTAssertNil(ArrivalScreen.update(&state, key: .char("x")))
        XCTAssertEqual(state.phase, .confirmResume(id: "p1", position: "at block 1 question 2"))
        _ = ArrivalScreen.update(&state, key: .char("n"))
        XCTAssertEqual(state.phase, .entering)
        XCTAssertEqual(state.input, "")
        type("p1", into: &state)
        _ = ArrivalScreen.update(&state, key: .enter)
        ArrivalScreen.apply(&state, lookup: .unfinished(position: "at the instructions"))
        _ = ArrivalScreen.update(&state, key: .char("y"))
        XCTAssertEqual(state.phase, .accepted(id: "p1", resume: true))
    }

    func testAFinishedSessionShowsItsCodeThenGoesBack() {
        var state = ArrivalState(label: nil, pattern: nil)
        type("p1", into: &state)
        _ = ArrivalScreen.update(&state, key: .enter)
        ArrivalScreen.apply(&state, lookup: .finished(code: "ABCD-EFGH"))
        let shown = ArrivalScreen.render(state, size: Size(cols: 80, rows: 24)).plainLines().joined(separator: "\n")
        XCTAssertTrue(shown.contains("Your completion code: ABCD-EFGH"), shown)
        XCTAssertFalse(state.isDone)
        _ = ArrivalScreen.update(&state, key: .enter)
        XCTAssertEqual(state.phase, .entering)
    }

    func testASessionRunningElsewhereAsksAgain() {
        var state = ArrivalState(label: nil, pattern: nil)
        type("p1", into: &state)
        _ = ArrivalScreen.update(&state, key: .enter)
        ArrivalScreen.apply(&state, lookup: .running(holder: "host h, pid 3"))
        XCTAssertEqual(state.phase, .entering)
        XCTAssertEqual(state.message, "The session of p1 is already running on another terminal.")
    }

    func testCtrlCLeavesFromEveryPhase() {
        for lookup in [ArrivalLookup.unfinished(position: "at the instructions"), .finished(code: "C"), .running(holder: nil)] {
            var state = ArrivalState(label: nil, pattern: nil)
            type("p1", into: &state)
            _ = ArrivalScreen.update(&state, key: .enter)
            ArrivalScreen.apply(&state, lookup: lookup)
            XCTAssertNil(ArrivalScreen.update(&state, key: .ctrl("c")))
            XCTAssertEqual(state.phase, .cancelled)
            XCTAssertTrue(state.isDone)
        }
    }

    func testRenderShowsLabelInputMessageAndCursor() {
        var state = ArrivalState(label: "Prolific ID", pattern: nil)
        type("ab cd", into: &state)
        _ = ArrivalScreen.update(&state, key: .enter)
        let grid = ArrivalScreen.render(state, size: Size(cols: 80, rows: 24))
        XCTAssertTrue(grid.plainLines().joined(separator: "\n").contains("Please type your Prolific ID and press Enter."), grid.plainLines().joined(separator: "\n"))
        XCTAssertTrue(grid.plainLines().joined(separator: "\n").contains("Prolific ID: ab cd"), grid.plainLines().joined(separator: "\n"))
        XCTAssertTrue(grid.plainLines().joined(separator: "\n").contains("Use only letters"), grid.plainLines().joined(separator: "\n"))
        XCTAssertNotNil(grid.cursor)
        // A tiny terminal gets a notice, not a crash.
        XCTAssertTrue(ArrivalScreen.render(state, size: Size(cols: 10, rows: 3)).plainLines().joined(separator: "\n").contains("Terminal"))
    }

    func testTheSessionAdapterAsksTheLookupOnlyForWellFormedIds() {
        var asked: [String] = []
        let session = ArrivalScreenSession(state: ArrivalState(label: nil, pattern: nil)) { id in
            asked.append(id)
            return .new
        }
        session.handle(.key(.char(" ")))
        session.handle(.key(.enter))
        XCTAssertEqual(asked, [])
        session.handle(.key(.backspace))
        session.handle(.key(.char("q")))
        session.handle(.key(.enter))
        XCTAssertEqual(asked, ["q"])
        XCTAssertTrue(session.isFinished)
    }
}
