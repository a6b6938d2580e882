import Foundation
import OversightAssistants
import XCTest

final class SSEParserTests: XCTestCase {
    private func parseAll(_ chunks: [Data]) -> [SSEEvent] {
        var p = SSEParser()
        return chunks.flatMap { p.feed($0) }
    }

    func testSimpleEventsAndDone() {
        var p = SSEParser()
        let events = p.feed("data: {\"a\":1}\n\ndata: [DONE]\n\n")
        XCTAssertEqual(events, [SSEEvent(data: "{\"a\":1}"), SSEEvent(data: "[DONE]")])
        XCTAssertTrue(events[1].isDone)
        XCTAssertFalse(events[0].isDone)
    }

    func testEveryByteSplitGivesSameEvents() {
        let text = "event: content_block_delta\r\ndata: {\"text\":\"héllo 日本 🎉\"}\r\n\r\n: keep-alive\n\nid: 7\ndata: a\ndata: b\n\n"
        let bytes = Array(text.utf8)
        let whole = parseAll([Data(bytes)])
        XCTAssertEqual(whole, [SSEEvent(event: "content_block_delta", data: "{\"text\":\"héllo 日本 🎉\"}"),
                               SSEEvent(data: "a\nb", id: "7")])
        // One byte at a time: splits \r\n pairs and every multi-byte UTF-8 sequence.
        XCTAssertEqual(parseAll(bytes.map { Data([$0]) }), whole)
        // Every two-way split.
        for cut in 0...bytes.count {
            XCTAssertEqual(parseAll([Data(bytes[..<cut]), Data(bytes[cut...])]), whole, "cut at \(cut)")
        }
    }

    func testLineEndingsCRLFAndLoneCR() {
        var p = SSEParser()
        XCTAssertEqual(p.feed("data: x\r\rdata: y\r\n\r\ndata: z\n\n"),
                       [SSEEvent(data: "x"), SSEEvent(data: "y"), SSEEvent(data: "z")])
    }

    func testCRAtChunkEndThenLF() {
        var p = SSEParser()
        XCTAssertEqual(p.feed("data: x\r"), [])
        XCTAssertEqual(p.feed("\n"), [])
        XCTAssertEqual(p.feed("\r"), [SSEEvent(data: "x")])
        XCTAssertEqual(p.feed("\ndata: y\n\n"), [SSEEvent(data: "y")])
    }

    func testCommentsUnknownFieldsAndSpacing() {
        var p = SSEParser()
        let events = p.feed(": ping\nfoo: bar\ndata:no-space\nretry: 3000\nevent:ping\n\n:only comment\n\n")
        XCTAssertEqual(events, [SSEEvent(event: "ping", data: "no-space")])
        XCTAssertEqual(p.retryMs, 3000)
    }

    func testFieldWithoutColonAndEmptyData() {
        var p = SSEParser()
        // "data" with no colon is an empty data line; an event with only it is dispatched empty.
        XCTAssertEqual(p.feed("data\n\n"), [SSEEvent(data: "")])
        // Only one leading space is removed.
        XCTAssertEqual(p.feed("data:  two\n\n"), [SSEEvent(data: " two")])
    }

    func testBlankLinesWithoutDataDispatchNothingAndEventNameResets() {
        var p = SSEParser()
        XCTAssertEqual(p.feed("\n\nevent: error\n\ndata: after\n\n"), [SSEEvent(data: "after")])
    }

    func testErrorEventAndIdPersists() {
        var p = SSEParser()
        let e = p.feed("id: 1\nevent: error\ndata: {\"type\":\"error\"}\n\ndata: next\n\n")
        XCTAssertEqual(e, [SSEEvent(event: "error", data: "{\"type\":\"error\"}", id: "1"), SSEEvent(data: "next", id: "1")])
    }

    func testByteOrderMarkIsSkipped() {
        var p = SSEParser()
        XCTAssertEqual(p.feed(Data([0xEF, 0xBB]) ), [])
        XCTAssertEqual(p.feed(Data([0xBF]) + Data("data: x\n\n".utf8)), [SSEEvent(data: "x")])
    }

    func testPendingEventAtEndIsReportedAndDiscarded() {
        var p = SSEParser()
        XCTAssertEqual(p.feed("data: complete\n\ndata: cut"), [SSEEvent(data: "complete")])
        XCTAssertTrue(p.hasPendingEvent)
        p.finish()
        XCTAssertFalse(p.hasPendingEvent)
        var q = SSEParser()
        _ = q.feed("data: x\n")
        XCTAssertTrue(q.hasPendingEvent, "data line without the blank line is an unfinished event")
    }

    func testInvalidUTF8IsReplacedNotDropped() {
        var p = SSEParser()
        let e = p.feed(Data("data: a".utf8) + Data([0xFF]) + Data("b\n\n".utf8))
        XCTAssertEqual(e.count, 1)
        XCTAssertTrue(e[0].data.hasPrefix("a") && e[0].data.hasSuffix("b"))
    }
}
