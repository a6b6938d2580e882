import Foundation
@testable import OversightAssistants
import XCTest
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The plain-HTTP client's request bytes and incremental response parser.
final class PlainHTTPTests: XCTestCase {
    /// Feeds `text` in pieces of `size` bytes; returns the head, the body and whether it completed.
    func parse(_ text: String, pieces size: Int) throws -> (head: HTTPHead?, body: String, complete: Bool) {
        var parser = ResponseParser()
        let bytes = Array(text.utf8)
        var head: HTTPHead?
        var body = Data()
        var complete = false
        var i = 0
        while i < bytes.count && !complete {
            let step = try parser.feed(bytes[i..<min(bytes.count, i + size)])
            if let h = step.head { head = h }
            body.append(step.body)
            complete = step.complete
            i += size
        }
        return (head, String(decoding: body, as: UTF8.self), complete)
    }

    func testChunkedBodySplitAnywhere() throws {
        let events = "data: {\"a\":1}\n\n"
        let text = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: text/event-stream\r\n\r\n"
            + "\(String(events.utf8.count, radix: 16))\r\n\(events)\r\n" + "5;ext=1\r\nhello\r\n" + "0\r\n\r\n"
        for size in [1, 2, 3, 7, 64, 4096] {
            let r = try parse(text, pieces: size)
            XCTAssertEqual(r.head?.status, 200)
            XCTAssertEqual(r.head?.headers["content-type"], "text/event-stream")
            XCTAssertEqual(r.body, events + "hello", "pieces of \(size)")
            XCTAssertTrue(r.complete, "pieces of \(size)")
        }
    }

    func testContentLengthAndInterimResponses() throws {
        let text = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 404 Not Found\r\nContent-Length: 5\r\n\r\nnope!extra"
        let r = try parse(text, pieces: 3)
        XCTAssertEqual(r.head?.status, 404)
        XCTAssertEqual(r.body, "nope!")
        XCTAssertTrue(r.complete)
    }

    func testBodyUntilCloseAndCutShortBodies() throws {
        var parser = ResponseParser()
        _ = try parser.feed(Array("HTTP/1.0 200 OK\r\n\r\nsome".utf8))
        XCTAssertTrue(parser.finishAtClose(), "without length or chunking the close ends the body")
        var chunked = ResponseParser()
        _ = try chunked.feed(Array("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10\r\nhalf".utf8))
        XCTAssertFalse(chunked.finishAtClose(), "a chunked body cut off is not complete")
        var sized = ResponseParser()
        _ = try sized.feed(Array("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhalf".utf8))
        XCTAssertFalse(sized.finishAtClose())
    }

    func testNotHTTPIsMalformed() {
        var parser = ResponseParser()
        XCTAssertThrowsError(try parser.feed(Array("SSH-2.0-OpenSSH\r\n\r\n".utf8)))
        var bad = ResponseParser()
        XCTAssertThrowsError(try bad.feed(Array("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n".utf8)))
    }

    func testRequestBytes() throws {
        var r = URLRequest(url: try XCTUnwrap(URL(string: "http://127.0.0.1:8080/v1/chat/completions?x=a%20b")))
        r.httpMethod = "POST"
        r.setValue("application/json", forHTTPHeaderField: "Content-Type")
        r.setValue("Bearer k", forHTTPHeaderField: "Authorization")
        r.httpBody = Data("{}".utf8)
        let text = String(decoding: PlainHTTP.requestBytes(r, host: "127.0.0.1", port: 8080, defaultPort: 80), as: UTF8.self)
        XCTAssertEqual(text, "POST /v1/chat/completions?x=a%20b HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n"
                       + "Authorization: Bearer k\r\nContent-Type: application/json\r\nAccept: */*\r\n"
                       + "Content-Length: 2\r\nConnection: close\r\n\r\n{}")
        XCTAssertTrue(PlainHTTP.handles(r, environment: [:]))
        // Behind a proxy only this machine's servers are reached directly.
        XCTAssertTrue(PlainHTTP.handles(r, environment: ["http_proxy": "http://proxy:3128"]))
        let remote = URLRequest(url: try XCTUnwrap(URL(string: "http://gpu-box:8000/v1/chat/completions")))
        XCTAssertTrue(PlainHTTP.handles(remote, environment: [:]))
        XCTAssertFalse(PlainHTTP.handles(remote, environment: ["HTTP_PROXY": "http://proxy:3128"]))
        XCTAssertFalse(PlainHTTP.handles(URLRequest(url: try XCTUnwrap(URL(string: "https://api.openai.com/v1")))))
    }
}
