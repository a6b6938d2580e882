import Foundation
@testable import OversightAssistants
import OversightCore
@testable import OversightTUI
import XCTest

/// A participant session on the real screen (headless), a real session log on disk and a real
/// provider client pointed at the fault server (or at nothing).
final class FaultSession {
    static let size = Size(cols: 120, rows: 36)
    static let message = "Is it Mars, in your view?"

    let dir: URL
    let logURL: URL
    let writer: SessionLogWriter
    let runtime: SessionRuntime
    let backend: HeadlessBackend
    let question = Fixtures.question()

    init(_ assistant: any Assistant, config: AssistantConfig) throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("screen-faults-\(UUID().uuidString)")
        logURL = dir.appendingPathComponent("p01.jsonl")
        writer = try SessionLogWriter.create(at: logURL)
        // One assisted question, no instructions and no feedback: the question shows at once,
        // and submitting it ends the session.
        let study = Study(id: "faults", seed: 3, feedback: false, confidence: Study.defaultConfidence, instructions: nil,
                          blocks: [StudyBlock(condition: .assisted, bank: "m", bankPath: "m", questions: 1, line: 2)],
                          assistant: config, path: "faults.toml", hash: String(repeating: "c", count: 64))
        let clock = ManualClock(startMs: 1_000)
        runtime = try SessionRuntime(study: ResolvedStudy(study: study, blocks: [[question]]), participant: "p01",
                                     assistant: assistant, log: writer, size: Self.size, clock: clock.clock,
                                     sessionID: "s-faults", assistantMode: .live)
        backend = HeadlessBackend(runtime: runtime, clock: clock, size: Self.size)
    }

    deinit {
        runtime.shutdown()
        writer.close()
        try? FileManager.default.removeItem(at: dir)
    }

    /// The chat pane's text (transcript and input), its wrapped rows joined by single spaces.
    var chatText: String {
        let layout = ScreenLayout.question(size: Self.size, question: question, assisted: true)
        guard let rect = layout.chat else { return "" }
        let area = ChatView.content(rect)
        let rows = backend.lastFrame.plainLines()
        var out: [String] = []
        for r in area.row..<(area.row + area.height) where rows.indices.contains(r) {
            let chars = Array(rows[r])
            guard area.col < chars.count else { continue }
            let cut = String(chars[area.col..<min(chars.count, area.col + area.width)])
            let t = cut.trimmingCharacters(in: .whitespaces)
            if !t.isEmpty { out.append(t) }
        }
        return out.joined(separator: " ")
    }

    /// Every frame recorded so far, as text.
    var allFrames: String { backend.frames.map { $0.plainLines().joined(separator: "\n") }.joined(separator: "\n") }

    /// The log's records as written on disk.
    var records: [LogRecord] { SessionLogReader.read(url: logURL).records }

    var replies: [AssistantReply] {
        records.compactMap { if case .assistantReply(let r) = $0.event { return r } else { return nil } }
    }

    /// Type the message, send it and wait (with a deadline) for its reply to end.
    @discardableResult
    func send(_ text: String = FaultSession.message, timeout: TimeInterval = 15) -> Bool {
        backend.run([.type(text), .key(.enter)])
        return waitForReply(timeout: timeout)
    }

    /// Wait (with a deadline) until no reply is in flight.
    func waitForReply(timeout: TimeInterval = 15) -> Bool {
        backend.waitUntil(timeout: timeout) { $0.pending == nil }
    }
}

final class ScreenFaultTests: XCTestCase {
    let fastRetry = RetryPolicy(maxAttempts: 3, baseDelay: 0.01, maxDelay: 2)

    func openAI(_ baseURL: String, timeout: Double = 5, retry: RetryPolicy = .none) throws -> FaultSession {
        let config = Fixtures.config(baseURL, timeout: timeout)
        return try FaultSession(try OpenAIAssistant(config: config, environment: Fixtures.env, retry: retry), config: config)
    }

    func anthropic(_ server: FaultServer, retry: RetryPolicy = .none) throws -> FaultSession {
        let config = Fixtures.config("http://127.0.0.1:\(server.port)", provider: .anthropic)
        return try FaultSession(try AnthropicAssistant(config: config, environment: Fixtures.env, retry: retry), config: config)
    }

    /// The reply failed with a clear message in the chat pane and the log, the partial text (if
    /// any) is kept and marked, F5 is offered, no key leaked, and the participant can still
    /// answer and finish the session.
    func assertFailedAndSessionGoesOn(_ s: FaultSession, mentions: [String], partial: String? = nil,
                                      file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertNil(s.runtime.state.pending, "the reply ended", file: file, line: line)
        guard let reply = s.replies.last else { return XCTFail("no assistant_reply in the log", file: file, line: line) }
        XCTAssertEqual(reply.status, .failed, file: file, line: line)
        let error = reply.error ?? ""
        XCTAssertFalse(error.isEmpty, "the log holds the error", file: file, line: line)
        XCTAssertEqual(reply.text, partial ?? "", "the log keeps the text that arrived", file: file, line: line)
        let chat = s.chatText
        XCTAssertTrue(chat.contains("[reply failed: "), chat, file: file, line: line)
        for m in mentions {
            XCTAssertTrue(error.contains(m), "log error [\(error)] lacks [\(m)]", file: file, line: line)
            XCTAssertTrue(chat.contains(m), "chat pane [\(chat)] lacks [\(m)]", file: file, line: line)
        }
        if let partial {
            XCTAssertTrue(chat.contains(partial), "partial text kept: \(chat)", file: file, line: line)
            XCTAssertTrue(chat.contains("text above is partial]"), "partial text marked: \(chat)", file: file, line: line)
        } else {
            XCTAssertFalse(chat.contains("text above is partial"), chat, file: file, line: line)
        }
        XCTAssertTrue(chat.contains("F5 retry"), "retry offered in the chat pane: \(chat)", file: file, line: line)
        XCTAssertTrue(s.backend.screen.last?.contains("F5 retry") ?? false, "retry in the key hints", file: file, line: line)
        // No key anywhere the participant or the experimenter can see it.
        let logText = (try? String(contentsOf: s.logURL, encoding: .utf8)) ?? ""
        XCTAssertFalse(logText.isEmpty, file: file, line: line)
        for shown in [logText, s.allFrames] {
            XCTAssertFalse(shown.contains(Fixtures.secret), "the API key leaked", file: file, line: line)
            XCTAssertFalse(shown.contains("SECRET"), "part of the API key leaked", file: file, line: line)
        }
        // The session continues: answer and submit.
        s.backend.run([.key(.function(3)), .type("c"), .type("4"), .key(.enter)])
        XCTAssertEqual(s.runtime.state.phase, .finished, file: file, line: line)
        let types = s.records.map(\.event.type)
        XCTAssertEqual(Array(types.suffix(2)), ["submitted", "session_end"], file: file, line: line)
        let submitted = s.records.compactMap { if case .submitted(let x) = $0.event { return x } else { return nil } }
        XCTAssertEqual(submitted.first?.choice, 2, file: file, line: line)
        XCTAssertEqual(submitted.first?.correct, true, file: file, line: line)
        XCTAssertTrue(SessionLogReader.read(url: s.logURL).issues.isEmpty, "the log reads back cleanly", file: file, line: line)
    }

    // MARK: Not reachable

    func testConnectionRefused() throws {
        let port = try LocalModelServer.freePort()
        let s = try openAI("http://127.0.0.1:\(port)/v1")
        XCTAssertTrue(s.send())
        assertFailedAndSessionGoesOn(s, mentions: ["Assistant unreachable", "127.0.0.1:\(port)"])
    }

    func testDNSFailure() throws {
        let s = try openAI("http://no-such-host.invalid/v1", retry: fastRetry)
        XCTAssertTrue(s.send())
        assertFailedAndSessionGoesOn(s, mentions: ["Assistant unreachable", "no-such-host.invalid"])
    }

    // MARK: HTTP errors

    func testHTTP401EchoingTheKey() throws {
        let body = #"{"error":{"message":"Incorrect API key provided: "# + Fixtures.secret + #". Check the dashboard."}}"#
        let server = try FaultServer([.respond(status: 401, body: body)])
        defer { server.stop() }
        let s = try openAI(server.baseURL, retry: fastRetry)
        XCTAssertTrue(s.send())
        assertFailedAndSessionGoesOn(s, mentions: ["error 401", "Incorrect API key provided"])
        XCTAssertEqual(server.requests.count, 1, "401 is not retried")
    }

    /// A 200 reply that echoes the Authorization header, the key split across SSE events and
    /// upper-cased in one of them: neither the screen nor the log gets it.
    func testKeyEchoedIn200ReplyReachesNeitherScreenNorLog() throws {
        let server = try FaultServer([.echo { req in
            let auth = req.header("Authorization") ?? ""
            let cut = auth.index(auth.startIndex, offsetBy: 12)
            return .sseChunks([EchoedKeyTests.delta("Header: " + auth[..<cut]),
                               EchoedKeyTests.delta(auth[cut...].uppercased() + " Mars."), "data: [DONE]\n\n"])
        }])
        defer { server.stop() }
        let s = try openAI(server.baseURL)
        XCTAssertTrue(s.send())
        XCTAssertEqual(s.replies.last?.status, .complete)
        XCTAssertEqual(s.replies.last?.text, "Header: Bearer [redacted] Mars.")
        XCTAssertTrue(s.chatText.contains("Header: Bearer [redacted] Mars."), s.chatText)
        let logText = (try? String(contentsOf: s.logURL, encoding: .utf8)) ?? ""
        for shown in [logText, s.allFrames] {
            XCTAssertTrue(KeyCheck.isClean(shown), "the API key leaked")
        }
    }

    func testHTTP404() throws {
        let server = try FaultServer([.respond(status: 404, body: #"{"detail":"Not Found"}"#)])
        defer { server.stop() }
        let s = try openAI(server.baseURL, retry: fastRetry)
        XCTAssertTrue(s.send())
        assertFailedAndSessionGoesOn(s, mentions: ["error 404", "Not Found"])
    }

    func testHTTP429() throws {
        let server = try FaultServer([.respond(status: 429, body: #"{"error":{"message":"rate limit reached"}}"#)])
        defer { server.stop() }
        let s = try openAI(server.baseURL, retry: fastRetry)
        XCTAssertTrue(s.send())
        assertFailedAndSessionGoesOn(s, mentions: ["error 429", "rate limit reached"])
        XCTAssertEqual(server.requests.count, 3, "retried within the policy, then reported")
    }

    func testHTTP429WithRetryAfter() throws {
        let server = try FaultServer([.respond(status: 429, headers: ["Retry-After": "3600"], body: #"{"error":{"message":"slow down"}}"#)])
        defer { server.stop() }
        let s = try openAI(server.baseURL, retry: fastRetry)
        XCTAssertTrue(s.send())
        assertFailedAndSessionGoesOn(s, mentions: ["error 429", "slow down", "retry after 3600 s"])
        XCTAssertEqual(server.requests.count, 1, "a wait longer than the policy allows is not waited for")
    }

    func testHTTP500() throws {
        let server = try FaultServer([.respond(status: 500, body: "boom")])
        defer { server.stop() }
        let s = try openAI(server.baseURL, retry: fastRetry)
        XCTAssertTrue(s.send())
        assertFailedAndSessionGoesOn(s, mentions: ["error 500", "boom"])
        XCTAssertEqual(server.requests.count, 3)
    }

    // MARK: Broken streams

    func testMalformedSSE() throws {
        let server = try FaultServer([.sse("data: {not json\n\n")])
        defer { server.stop() }
        let s = try openAI(server.baseURL, retry: fastRetry)
        XCTAssertTrue(s.send())
        assertFailedAndSessionGoesOn(s, mentions: ["could not be read"])
    }

    func testDroppedMidReplyKeepsPartialText() throws {
        let server = try FaultServer([.sse(#"data: {"choices":[{"delta":{"content":"Half of it"}}]}"# + "\n\n")])
        defer { server.stop() }
        let s = try openAI(server.baseURL, retry: fastRetry)
        XCTAssertTrue(s.send())
        assertFailedAndSessionGoesOn(s, mentions: ["Connection to the assistant dropped"], partial: "Half of it")
    }

    func testDroppedMidReplyTruncatedBody() throws {
        let body = #"data: {"choices":[{"delta":{"content":"Half of it"}}]}"# + "\n\n"
        let server = try FaultServer([.truncated(declared: 5000, body: body)])
        defer { server.stop() }
        let s = try openAI(server.baseURL, retry: fastRetry)
        XCTAssertTrue(s.send())
        assertFailedAndSessionGoesOn(s, mentions: ["Connection to the assistant dropped"], partial: "Half of it")
    }

    func testNoBytesForTimeoutKeepsPartialText() throws {
        let server = try FaultServer([.stall(#"data: {"choices":[{"delta":{"content":"Wait for"}}]}"# + "\n\n")])
        defer { server.stop() }
        let s = try openAI(server.baseURL, timeout: 1, retry: fastRetry)
        XCTAssertTrue(s.send())
        assertFailedAndSessionGoesOn(s, mentions: ["Assistant sent nothing for 1 s"], partial: "Wait for")
    }

    // MARK: Anthropic

    func testAnthropic401() throws {
        let server = try FaultServer([.respond(status: 401, body: #"{"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"}}"#)])
        defer { server.stop() }
        let s = try anthropic(server)
        XCTAssertTrue(s.send())
        assertFailedAndSessionGoesOn(s, mentions: ["error 401", "invalid x-api-key"])
    }

    func testAnthropicDroppedMidReply() throws {
        let cut = Fixtures.anthropicStream.components(separatedBy: "event: message_delta")[0]
        let server = try FaultServer([.sse(cut)])
        defer { server.stop() }
        let s = try anthropic(server)
        XCTAssertTrue(s.send())
        assertFailedAndSessionGoesOn(s, mentions: ["Connection to the assistant dropped"], partial: "Bonjour là")
    }

    // MARK: Retry

    func testF5AfterHTTP500GetsTheReply() throws {
        let server = try FaultServer([.respond(status: 500, body: "boom"), .sse(Fixtures.openAIStream)])
        defer { server.stop() }
        let s = try openAI(server.baseURL)
        XCTAssertTrue(s.send())
        XCTAssertEqual(s.replies.last?.status, .failed)
        XCTAssertTrue(s.chatText.contains("F5 retry"), s.chatText)
        s.backend.run([.key(.function(5))])
        XCTAssertTrue(s.waitForReply())
        let chat = s.chatText
        XCTAssertTrue(chat.contains("Hello, world"), chat)
        XCTAssertFalse(chat.contains("F5 retry"), chat)
        let replies = s.replies
        XCTAssertEqual(replies.map(\.status), [.failed, .complete])
        XCTAssertEqual(replies.last?.text, "Hello, world")
        let sent = s.records.compactMap { r -> (Int, String)? in
            if case .chatSent(_, let id, let text) = r.event { return (id, text) } else { return nil }
        }
        XCTAssertEqual(sent.map(\.1), [FaultSession.message, FaultSession.message], "logged as a normal chat_sent")
        XCTAssertEqual(Set(sent.map(\.0)).count, 2, "a new request id")
        XCTAssertEqual(server.requests.count, 2)
        XCTAssertEqual(server.requests.last?.body.components(separatedBy: FaultSession.message).count, 2,
                       "the message is sent once")
        assertSessionFinishes(s)
    }

    func testF5AfterDropSendsNoPartialTextAndOneCopyOfTheMessage() throws {
        let server = try FaultServer([.sse(#"data: {"choices":[{"delta":{"content":"Half of it"}}]}"# + "\n\n"),
                                      .sse(Fixtures.openAIStream)])
        defer { server.stop() }
        let s = try openAI(server.baseURL)
        XCTAssertTrue(s.send())
        XCTAssertEqual(s.replies.last?.text, "Half of it")
        s.backend.run([.key(.function(5))])
        XCTAssertTrue(s.waitForReply())
        XCTAssertEqual(s.replies.map(\.status), [.failed, .complete])
        XCTAssertTrue(s.chatText.contains("Hello, world"), s.chatText)
        guard server.requests.count == 2, let body = server.requests.last?.body else {
            return XCTFail("expected two requests, got \(server.requests.count)")
        }
        XCTAssertFalse(body.contains("Half of it"), "the failed partial reply is not in the retried context: \(body)")
        XCTAssertEqual(body.components(separatedBy: FaultSession.message).count, 2, "one copy of the message: \(body)")
        assertSessionFinishes(s)
    }

    func assertSessionFinishes(_ s: FaultSession, file: StaticString = #filePath, line: UInt = #line) {
        s.backend.run([.key(.function(3)), .type("c"), .type("4"), .key(.enter)])
        XCTAssertEqual(s.runtime.state.phase, .finished, file: file, line: line)
        XCTAssertEqual(s.records.last?.event.type, "session_end", file: file, line: line)
    }
}
