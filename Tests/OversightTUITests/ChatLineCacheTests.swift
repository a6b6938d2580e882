import XCTest
@testable import OversightTUI

/// The chat transcript is wrapped once per message and width; these check that what is shown
/// always equals a fresh wrap, and that only what changed is wrapped again.
final class ChatLineCacheTests: XCTestCase {
    private let reply = "The keeper lit the lantern before the storm reached the reef, and the ships waited "
        + "beyond the harbour for the light. Check the second part of the story."

    /// Lines of `state` computed without any memo (a new cache each time).
    private func fresh(_ state: ChatViewState, width: Int, streaming: StreamingReply? = nil, frame: Int = 0) -> [String] {
        ChatViewState(entries: state.entries).lines(width: width, streaming: streaming, frame: frame).map(\.0)
    }

    private func texts(_ t: ChatTranscript) -> [String] { (0..<t.count).map { t[$0].0 } }

    func testRepeatedFramesWrapNothingAgain() {
        let c = ChatViewState(entries: [.user("What happened?"), .assistant(text: reply, status: .complete, error: nil)])
        let first = texts(c.transcript(width: 30, streaming: nil, frame: 0))
        XCTAssertEqual(c.lineCache.wraps, 2)
        let again = texts(c.transcript(width: 30, streaming: nil, frame: 1))
        XCTAssertEqual(again, first)
        XCTAssertEqual(c.lineCache.wraps, 2)
        XCTAssertEqual(first, fresh(c, width: 30))
    }

    func testStreamingChunkRewrapsOnlyTheStreamedReply() {
        var c = ChatViewState(entries: (0..<20).map { .user("message \($0) " + reply) })
        _ = c.transcript(width: 40, streaming: nil, frame: 0)
        XCTAssertEqual(c.lineCache.wraps, 20)
        var s = StreamingReply(requestID: 1)
        var shown: [String] = []
        for word in reply.split(separator: " ") {
            s.text += word + " "
            shown = texts(c.transcript(width: 40, streaming: s, frame: 2))
        }
        let chunks = reply.split(separator: " ").count
        XCTAssertEqual(c.lineCache.wraps, 20 + chunks)           // one wrap per chunk, of that reply only
        XCTAssertEqual(shown, fresh(c, width: 40, streaming: s, frame: 2))
        XCTAssertEqual(shown.last(where: { $0.hasPrefix("Assistant") }), "Assistant (typing...)")
        // The same chunk on the next frame (typing dots move) wraps nothing.
        let next = texts(c.transcript(width: 40, streaming: s, frame: 3))
        XCTAssertEqual(c.lineCache.wraps, 20 + chunks)
        XCTAssertTrue(next.contains("Assistant (typing.)"))
        // The reply ends: it becomes an entry, wrapped once.
        c.entries.append(.assistant(text: s.text, status: .complete, error: nil))
        let done = texts(c.transcript(width: 40, streaming: nil, frame: 0))
        XCTAssertEqual(c.lineCache.wraps, 20 + chunks + 1)
        XCTAssertEqual(done, fresh(c, width: 40))
        XCTAssertFalse(done.contains { $0.contains("typing") })
    }

    func testResizeRewrapsEverything() {
        let c = ChatViewState(entries: [.user(reply), .assistant(text: reply, status: .cancelled, error: nil), .resetDivider])
        let wide = texts(c.transcript(width: 60, streaming: nil, frame: 0))
        XCTAssertEqual(c.lineCache.wraps, 3)
        let narrow = texts(c.transcript(width: 30, streaming: nil, frame: 0))
        XCTAssertEqual(c.lineCache.wraps, 6)
        XCTAssertNotEqual(wide, narrow)
        XCTAssertEqual(narrow, fresh(c, width: 30))
        XCTAssertTrue(narrow.allSatisfy { DisplayWidth.of($0) <= 30 })
        XCTAssertEqual(texts(c.transcript(width: 60, streaming: nil, frame: 0)), wide)
    }

    func testResetDividerAppendsWithoutRewrappingOlderMessages() {
        var c = ChatViewState(entries: [.user("Is B correct?"), .assistant(text: reply, status: .complete, error: nil)])
        _ = c.transcript(width: 36, streaming: nil, frame: 0)
        c.entries.append(.resetDivider)
        let lines = texts(c.transcript(width: 36, streaming: nil, frame: 0))
        XCTAssertEqual(c.lineCache.wraps, 3)
        XCTAssertEqual(lines, fresh(c, width: 36))
        XCTAssertTrue(lines.last?.contains("assistant context reset") ?? false)
        XCTAssertEqual(lines.last.map(DisplayWidth.of), 36)         // the divider spans the pane
    }

    func testChangedEntriesAreNeverServedStale() {
        // Copies of a state share the memo; a copy with different entries must still be right.
        var a = ChatViewState(entries: [.user("first"), .user("second")])
        _ = a.transcript(width: 30, streaming: nil, frame: 0)
        var b = a
        b.entries[1] = .notice("replaced")
        XCTAssertEqual(texts(b.transcript(width: 30, streaming: nil, frame: 0)), fresh(b, width: 30))
        XCTAssertEqual(texts(a.transcript(width: 30, streaming: nil, frame: 0)), fresh(a, width: 30))
        a.entries.removeAll()
        XCTAssertEqual(a.transcript(width: 30, streaming: nil, frame: 0).count, 0)
        XCTAssertEqual(a, ChatViewState())
    }

    func testASCIIFastPathsAgreeWithGraphemePaths() {
        for s in ["plain words", "tab\there", "bell\u{7}x", "a\r\nb", "", "    "] {
            XCTAssertEqual(DisplayWidth.asciiWidth(s), s.reduce(0) { $0 + DisplayWidth.of($1) }, s.debugDescription)
        }
        XCTAssertNil(DisplayWidth.asciiWidth("naïve"))
        // Wrapping ASCII text gives the same lines and offsets as text with one non-ASCII letter
        // in the same place would, shifted by nothing (é is one scalar).
        let ascii = "The keeper\tclimbed the stairs.\r\nThe storm rolled in.\n\nSilence"
        let accented = ascii.replacingOccurrences(of: "keeper", with: "keepér")
        let a = TextLayout.wrap(ascii, width: 12), b = TextLayout.wrap(accented, width: 12)
        XCTAssertEqual(a.map(\.start), b.map(\.start))
        XCTAssertEqual(a.map(\.end), b.map(\.end))
        XCTAssertEqual(a.map(\.width), b.map(\.width))
        XCTAssertEqual(a.map { $0.text.replacingOccurrences(of: "keeper", with: "keepér") }, b.map(\.text))
    }
}

final class ChatPaneTextTests: XCTestCase {
    private func inputRow(width: Int) -> String {
        var canvas = Canvas(size: Size(cols: width, rows: 12))
        ChatView.render(ChatViewState(entries: [.user("Is B correct?")]), input: ChatInputState(),
                        streaming: StreamingReply(requestID: 1, text: "Let me"), frame: 0, focused: true,
                        into: &canvas, rect: Rect(col: 0, row: 0, width: width, height: 12))
        return canvas.grid.plainLines()[10]
    }

    func testWaitingPlaceholderIsNeverCut() {
        // 80x24 gives the chat pane 36 columns: the long hint does not fit, the short one does.
        XCTAssertEqual(inputRow(width: 36), "┃ > (waiting for the reply)        ┃")
        XCTAssertTrue(inputRow(width: 60).contains("> (waiting for the reply; Esc cancels)"))
        XCTAssertFalse(inputRow(width: 36).contains("…"))
    }

    func testScrolledBackTranscriptSaysSoInANarrowPane() {
        for (width, label) in [(36, " 7 more below "), (60, " 7 newer lines below ")] {
            var chat = ChatViewState(entries: (1...12).map { .user("message \($0)") })
            chat.scrollBack = 7
            var canvas = Canvas(size: Size(cols: width, rows: 12))
            ChatView.render(chat, input: ChatInputState(), streaming: nil, frame: 0, focused: false,
                            into: &canvas, rect: Rect(col: 0, row: 0, width: width, height: 12))
            let rows = canvas.grid.plainLines()
            XCTAssertTrue(rows[0].contains(label), rows[0])
            XCTAssertTrue(rows[0].contains("Assistant chat"), rows[0])
        }
    }
}
