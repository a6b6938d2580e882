import XCTest
import OversightCore
@testable import OversightTUI

/// Messages the participant must be able to read whole: the log-failure banner at 80 columns
/// and the chat input's limit.
final class NoticeFitTests: XCTestCase {
    func testDiskFullBannerIsWrappedNotCutAt80Columns() {
        var c = Core(size: Size(cols: 80, rows: 24))
        c.key(.enter)
        c.state.logFailure = "write failed: No space left on device"
        let rows = AppCore.render(c.state, size: Size(cols: 80, rows: 24)).plainLines()
        XCTAssertTrue(rows.allSatisfy { DisplayWidth.of($0) <= 80 })
        // The banner's rows, joined, hold the whole message.
        let banner = rows.dropFirst().prefix { $0.hasPrefix(" ") && !$0.hasPrefix(" ─") }
            .map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
        let message = "The session log cannot be written: write failed: No space left on device. Answers are not "
            + "accepted; please tell the study organiser. Ctrl-C quits."
        XCTAssertEqual(banner, message, rows.prefix(5).joined(separator: "\n"))
    }

    func testPasteBeyondTheLimitIsSaidInTheInputLine() {
        var input = ChatInputState()
        input.insert(String(repeating: "x", count: ChatInputState.maxLength + 250))
        XCTAssertEqual(input.text.count, ChatInputState.maxLength)
        XCTAssertEqual(input.refused, 250)
        var c = Core(size: Size(cols: 120, rows: 36))
        c.key(.enter)
        XCTAssertEqual(c.state.focus, .chat)
        c.state.input = input
        let screen = AppCore.render(c.state, size: Size(cols: 120, rows: 36)).plainLines().joined(separator: "\n")
        XCTAssertTrue(screen.contains("Limit of 4000 characters reached: 250 not added")
                      || screen.contains("Limit 4000 chars: 250 not added"), screen)
        // Making room clears the note.
        input.backspace()
        XCTAssertEqual(input.refused, 0)
        c.state.input = input
        let after = AppCore.render(c.state, size: Size(cols: 120, rows: 36)).plainLines().joined(separator: "\n")
        XCTAssertFalse(after.contains("not added"), after)
    }
}
