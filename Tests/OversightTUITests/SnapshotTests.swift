import XCTest
import OversightCore
@testable import OversightTUI

/// Rendered frames compared with text files under Snapshots/ (OVERSIGHT_RECORD=1 re-records).
final class SnapshotTests: XCTestCase {
    static let small = Size(cols: 80, rows: 24)
    static let large = Size(cols: 160, rows: 48)

    func mmluUnaided(_ size: Size) throws -> Harness {
        let h = try Harness(study: Fixtures.mmluOnly(), size: size)
        h.run(.type("c"), .type("3"))
        return h
    }

    func qualityAssisted(_ size: Size) throws -> Harness {
        let h = try Harness(size: size)
        h.run(.key(.enter), .advance(ms: 12_300),
              .type("Who saw the lighthouse keeper last?"), .key(.enter),
              .chunk(requestID: 1, .text("According to the passage, nobody saw him after the storm. The captain wrote it down on the 1st day.")),
              .chunk(requestID: 1, .done(AssistantUsage())),
              .key(.ctrl("r")),
              .type("Was the radio operator lying? 日本語 ok"), .key(.enter),
              .chunk(requestID: 2, .text("Possibly: the text says nobody")),
              .key(.function(3)), .type("b"), .type("4"), .key(.function(4)), .type("next: café"))
        return h
    }

    func feedback(_ size: Size) throws -> Harness {
        let h = try Harness(size: size)
        h.run(.key(.enter), .key(.function(3)), .type("a2"), .advance(ms: 61_000), .key(.enter))
        return h
    }

    func end(_ size: Size) throws -> Harness {
        let h = try Harness(study: Fixtures.study(feedback: false, qualityCount: 1, mmluCount: 1), size: size)
        h.run(.key(.enter), .key(.function(3)), .type("b5"), .key(.enter), .type("c5"), .key(.enter))
        return h
    }

    func testMMLUUnaided() throws {
        assertSnapshot(try mmluUnaided(Self.small).backend.lastFrame, named: "mmlu-unaided-80x24")
        assertSnapshot(try mmluUnaided(Self.large).backend.lastFrame, named: "mmlu-unaided-160x48")
    }

    func testQualityAssistedWithChat() throws {
        let h = try qualityAssisted(Self.small)
        assertSnapshot(h.backend.lastFrame, named: "quality-assisted-80x24")
        XCTAssertNotNil(h.backend.lastFrame.cursor, "the chat input declares the cursor")
        assertSnapshot(try qualityAssisted(Self.large).backend.lastFrame, named: "quality-assisted-160x48")
    }

    func testFeedback() throws {
        assertSnapshot(try feedback(Self.small).backend.lastFrame, named: "feedback-80x24")
        assertSnapshot(try feedback(Self.large).backend.lastFrame, named: "feedback-160x48")
    }

    func testEnd() throws {
        assertSnapshot(try end(Self.small).backend.lastFrame, named: "end-80x24")
        assertSnapshot(try end(Self.large).backend.lastFrame, named: "end-160x48")
    }

    func testSmallTerminal() throws {
        let h = try Harness(size: Size(cols: 60, rows: 20))
        h.run(.key(.enter))
        assertSnapshot(h.backend.lastFrame, named: "too-small-60x20")
    }

    func testInstructionsHelpAndQuit() throws {
        let h = try Harness(size: Self.small)
        assertSnapshot(h.backend.lastFrame, named: "instructions-80x24")
        h.run(.key(.enter), .key(.function(1)))
        assertSnapshot(h.backend.lastFrame, named: "help-80x24")
        h.run(.key(.escape), .key(.ctrl("c")))
        assertSnapshot(h.backend.lastFrame, named: "quit-80x24")
    }

    func testPassageSearchHighlights() throws {
        let h = try Harness(size: Self.small)
        h.run(.key(.enter), .key(.function(2)), .key(.char("/")), .type("radio operator"), .key(.enter), .key(.char("n")))
        let frame = h.backend.lastFrame
        assertSnapshot(frame, named: "passage-search-80x24")
        let styles = Set(frame.cells.map(\.style.role))
        XCTAssertTrue(styles.contains(.currentMatch))
        XCTAssertTrue(styles.contains(.highlight))
        XCTAssertTrue(h.screen.contains("Match 2/40 for \"radio operator\""), h.screen)
    }

    func testResizeReflowsAtOnce() throws {
        let h = try qualityAssisted(Self.large)
        h.run(.resize(Self.small))
        XCTAssertEqual(h.backend.lastFrame.plainLines(), try qualityAssisted(Self.small).backend.lastFrame.plainLines())
    }
}
