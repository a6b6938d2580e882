import Foundation
@testable import OversightAssistants
import OversightCore
import XCTest

/// What a streamed reply produced.
struct Outcome {
    var text = ""
    var progress: [String] = []
    var usage: AssistantUsage?
    var error: AssistantError?
}

func collect(_ assistant: any Assistant, _ messages: [ChatMessage] = [ChatMessage(role: .user, content: "Hi")],
             question: Question? = nil) async -> Outcome {
    var out = Outcome()
    do {
        for try await chunk in assistant.stream(AssistantRequest(id: 1, messages: messages, question: question)) {
            switch chunk {
            case .text(let t): out.text += t
            case .progress(let p): out.progress.append(p)
            case .done(let u): out.usage = u
            }
        }
    } catch {
        out.error = error as? AssistantError ?? .dropped("non-assistant error \(error)")
    }
    return out
}

final class ProviderFaultTests: XCTestCase {
    let fastRetry = RetryPolicy(maxAttempts: 3, baseDelay: 0.01, maxDelay: 2)

    func openAI(_ server: FaultServer, timeout: Double = 5, retry: RetryPolicy = .none) throws -> OpenAIAssistant {
        try OpenAIAssistant(config: Fixtures.config(server.baseURL, timeout: timeout), environment: Fixtures.env, retry: retry)
    }

    func anthropic(_ server: FaultServer, timeout: Double = 5, retry: RetryPolicy = .none) throws -> AnthropicAssistant {
        try AnthropicAssistant(config: Fixtures.config("http://127.0.0.1:\(server.port)", provider: .anthropic, timeout: timeout),
                               environment: Fixtures.env, retry: retry)
    }

    /// No key in the error, the progress lines or the recorded output.
    func assertNoSecret(_ o: Outcome, file: StaticString = #filePath, line: UInt = #line) {
        let shown = [o.text, o.error?.message ?? "", "\(String(describing: o.error))"] + o.progress
        for s in shown {
            XCTAssertFalse(s.contains(Fixtures.secret), "key leaked: \(s)", file: file, line: line)
            XCTAssertFalse(s.contains("SECRET"), "part of the key leaked: \(s)", file: file, line: line)
        }
    }

    func testOpenAIStreamsTextUsageAndSendsExactBody() async throws {
        let server = try FaultServer([.sse(Fixtures.openAIStream)])
        defer { server.stop() }
        let a = try openAI(server)
        let o = await collect(a)
        XCTAssertNil(o.error)
        XCTAssertEqual(o.text, "Hello, world")
        XCTAssertEqual(o.usage, AssistantUsage(promptTokens: 12, completionTokens: 3))
        XCTAssertEqual(a.model, "served-model", "records the model the server reports")
        XCTAssertEqual(server.requests.count, 1)
        let req = server.requests[0]
        XCTAssertTrue(req.head.hasPrefix("POST /v1/chat/completions HTTP/1.1"))
        XCTAssertTrue(req.head.contains("Bearer \(Fixtures.secret)"))
        XCTAssertEqual(req.body, #"{"messages":[{"content":"Hi","role":"user"}],"model":"test-model","stream":true,"stream_options":{"include_usage":true}}"#)
    }

    func testOpenAIFallsBackWhenStreamOptionsRejected() async throws {
        let server = try FaultServer([.respond(status: 400, body: #"{"error":{"message":"Unrecognized request argument supplied: stream_options"}}"#),
                                      .sse(Fixtures.openAIStream)])
        defer { server.stop() }
        let o = await collect(try openAI(server))
        XCTAssertNil(o.error)
        XCTAssertEqual(o.text, "Hello, world")
        XCTAssertEqual(server.requests.count, 2)
        XCTAssertFalse(server.requests[1].body.contains("stream_options"))
    }

    func testConnectionRefused() async throws {
        let port = try LocalModelServer.freePort()
        let a = try OpenAIAssistant(config: Fixtures.config("http://127.0.0.1:\(port)/v1"), environment: Fixtures.env, retry: .none)
        let o = await collect(a)
        guard case .unreachable(let m)? = o.error else { return XCTFail("expected unreachable, got \(String(describing: o.error))") }
        XCTAssertTrue(m.contains("127.0.0.1:\(port)"), m)
        assertNoSecret(o)
    }

    func testRefusedIsRetriedBoundedWithProgress() async throws {
        let port = try LocalModelServer.freePort()
        let a = try OpenAIAssistant(config: Fixtures.config("http://127.0.0.1:\(port)/v1"), environment: Fixtures.env, retry: fastRetry)
        let o = await collect(a)
        guard case .unreachable? = o.error else { return XCTFail("expected unreachable, got \(String(describing: o.error))") }
        XCTAssertEqual(o.progress.filter { $0.hasPrefix("retrying") }.count, 2, "3 attempts = 2 retries: \(o.progress)")
    }

    func testDNSFailure() async throws {
        let a = try OpenAIAssistant(config: Fixtures.config("http://no-such-host.invalid/v1"), environment: Fixtures.env, retry: fastRetry)
        let o = await collect(a)
        guard case .unreachable(let m)? = o.error else { return XCTFail("expected unreachable, got \(String(describing: o.error))") }
        XCTAssertTrue(m.contains("no-such-host.invalid"), m)
        XCTAssertTrue(o.progress.filter { $0.hasPrefix("retrying") }.isEmpty, "a name that does not resolve is not retried")
    }

    func testHTTP401RedactsEchoedKey() async throws {
        let body = #"{"error":{"message":"Incorrect API key provided: "# + Fixtures.secret + #". You can find your API key at the dashboard.","type":"invalid_request_error"}}"#
        let server = try FaultServer([.respond(status: 401, body: body)])
        defer { server.stop() }
        let o = await collect(try openAI(server, retry: fastRetry))
        guard case .http(401, let m, nil)? = o.error else { return XCTFail("got \(String(describing: o.error))") }
        XCTAssertTrue(m.contains("Incorrect API key provided"), m)
        XCTAssertEqual(server.requests.count, 1, "401 is not retried")
        assertNoSecret(o)
    }

    func testHTTP404() async throws {
        let server = try FaultServer([.respond(status: 404, body: #"{"detail":"Not Found"}"#)])
        defer { server.stop() }
        let o = await collect(try openAI(server, retry: fastRetry))
        XCTAssertEqual(o.error, .http(status: 404, message: "Not Found", retryAfterSeconds: nil))
    }

    func testHTTP500RetriedThenReported() async throws {
        let server = try FaultServer([.respond(status: 500, body: "boom")])
        defer { server.stop() }
        let o = await collect(try openAI(server, retry: fastRetry))
        XCTAssertEqual(o.error, .http(status: 500, message: "boom", retryAfterSeconds: nil))
        XCTAssertEqual(server.requests.count, 3)
        XCTAssertEqual(o.progress.filter { $0.hasPrefix("retrying") }.count, 2)
    }

    func testHTTP429WithRetryAfterThenSuccess() async throws {
        let server = try FaultServer([.respond(status: 429, headers: ["Retry-After": "0"], body: #"{"error":{"message":"slow down"}}"#),
                                      .sse(Fixtures.openAIStream)])
        defer { server.stop() }
        let o = await collect(try openAI(server, retry: fastRetry))
        XCTAssertNil(o.error)
        XCTAssertEqual(o.text, "Hello, world")
        XCTAssertTrue(o.progress.contains { $0.hasPrefix("retrying in 0 s") && $0.contains("429") }, "\(o.progress)")
    }

    func testHTTP429WithLongRetryAfterGivesUp() async throws {
        let server = try FaultServer([.respond(status: 429, headers: ["Retry-After": "3600"], body: "{}")])
        defer { server.stop() }
        let o = await collect(try openAI(server, retry: fastRetry))
        XCTAssertEqual(o.error, .http(status: 429, message: "{}", retryAfterSeconds: 3600))
        XCTAssertEqual(server.requests.count, 1)
        XCTAssertTrue(o.error?.message.contains("retry after 3600 s") ?? false)
    }

    func testMalformedSSE() async throws {
        let server = try FaultServer([.sse("data: {not json\n\n")])
        defer { server.stop() }
        let o = await collect(try openAI(server, retry: fastRetry))
        guard case .malformed? = o.error else { return XCTFail("got \(String(describing: o.error))") }
        XCTAssertEqual(server.requests.count, 1)
    }

    func testDroppedMidReplyWithoutDone() async throws {
        let partial = #"data: {"choices":[{"delta":{"content":"Half"}}]}"# + "\n\n"
        let server = try FaultServer([.sse(partial)])
        defer { server.stop() }
        let o = await collect(try openAI(server, retry: fastRetry))
        XCTAssertEqual(o.text, "Half")
        guard case .dropped? = o.error else { return XCTFail("got \(String(describing: o.error))") }
        XCTAssertEqual(server.requests.count, 1, "no retry once text arrived")
    }

    func testDroppedMidReplyTruncatedBody() async throws {
        let partial = #"data: {"choices":[{"delta":{"content":"Half"}}]}"# + "\n\n"
        let server = try FaultServer([.truncated(declared: 5000, body: partial)])
        defer { server.stop() }
        let o = await collect(try openAI(server, retry: fastRetry))
        guard case .dropped? = o.error else { return XCTFail("got \(String(describing: o.error))") }
        assertNoSecret(o)
    }

    func testNoBytesForTimeout() async throws {
        let first = #"data: {"choices":[{"delta":{"content":"Wait"}}]}"# + "\n\n"
        let server = try FaultServer([.stall(first)])
        defer { server.stop() }
        let o = await collect(try openAI(server, timeout: 0.5, retry: fastRetry))
        XCTAssertEqual(o.error, .timeout(seconds: 0.5))
        XCTAssertEqual(o.text, "Wait")
    }

    func testServerThatNeverAnswersTimesOut() async throws {
        let server = try FaultServer([.stall("")])
        defer { server.stop() }
        let o = await collect(try openAI(server, timeout: 0.5))
        XCTAssertEqual(o.error, .timeout(seconds: 0.5))
    }

    func testHangUpBeforeAnswer() async throws {
        let server = try FaultServer([.hangUp])
        defer { server.stop() }
        let o = await collect(try openAI(server))
        XCTAssertNotNil(o.error)
        if case .timeout? = o.error { XCTFail("a closed connection is not a timeout") }
    }

    func testCancellingTheConsumerStopsTheRequest() async throws {
        let server = try FaultServer([.stall(#"data: {"choices":[{"delta":{"content":"x"}}]}"# + "\n\n")])
        defer { server.stop() }
        let a = try openAI(server, timeout: 30)
        let task = Task { await collect(a) }
        // Wait (with a deadline) until the server has the request, then cancel.
        let deadline = Date().addingTimeInterval(10)
        while server.requests.isEmpty && Date() < deadline { try await Task.sleep(nanoseconds: 10_000_000) }
        task.cancel()
        let started = Date()
        let o = await task.value
        XCTAssertLessThan(Date().timeIntervalSince(started), 5, "cancellation ends the stream promptly")
        XCTAssertNotEqual(o.error, .timeout(seconds: 30))
    }

    func testErrorObjectInsideStream() async throws {
        let server = try FaultServer([.sse(#"data: {"error":{"message":"model overloaded","code":503}}"# + "\n\n")])
        defer { server.stop() }
        let o = await collect(try openAI(server))
        XCTAssertEqual(o.error, .http(status: 503, message: "model overloaded", retryAfterSeconds: nil))
    }

    // MARK: Anthropic

    func testAnthropicStreamsTextAndUsage() async throws {
        let server = try FaultServer([.sse(Fixtures.anthropicStream)])
        defer { server.stop() }
        let a = try anthropic(server)
        let o = await collect(a, [ChatMessage(role: .system, content: "S"), ChatMessage(role: .user, content: "Hi")])
        XCTAssertNil(o.error)
        XCTAssertEqual(o.text, "Bonjour là")
        XCTAssertEqual(o.usage, AssistantUsage(promptTokens: 21, completionTokens: 5))
        XCTAssertEqual(a.model, "claude-served")
        let req = server.requests[0]
        XCTAssertTrue(req.head.hasPrefix("POST /v1/messages HTTP/1.1"))
        XCTAssertTrue(req.head.lowercased().contains("x-api-key: \(Fixtures.secret.lowercased())"))
        XCTAssertTrue(req.head.lowercased().contains("anthropic-version: 2023-06-01"))
        XCTAssertEqual(req.body, #"{"max_tokens":1024,"messages":[{"content":"Hi","role":"user"}],"model":"claude-test","stream":true,"system":"S"}"#)
    }

    func testAnthropicErrorEvent() async throws {
        let stream = "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n"
        let server = try FaultServer([.sse(stream)])
        defer { server.stop() }
        let o = await collect(try anthropic(server, retry: fastRetry))
        XCTAssertEqual(o.error, .http(status: 529, message: "Overloaded", retryAfterSeconds: nil))
        XCTAssertEqual(server.requests.count, 3, "overloaded before any text is retried")
    }

    func testAnthropicHTTPErrorsAndDrop() async throws {
        let server = try FaultServer([.respond(status: 401, body: #"{"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"}}"#)])
        defer { server.stop() }
        let o = await collect(try anthropic(server))
        XCTAssertEqual(o.error, .http(status: 401, message: "invalid x-api-key", retryAfterSeconds: nil))
        assertNoSecret(o)

        let cut = Fixtures.anthropicStream.components(separatedBy: "event: message_delta")[0]
        let s2 = try FaultServer([.sse(cut)])
        defer { s2.stop() }
        let o2 = await collect(try anthropic(s2))
        XCTAssertEqual(o2.text, "Bonjour là")
        guard case .dropped? = o2.error else { return XCTFail("got \(String(describing: o2.error))") }
    }

    // MARK: What is sent

    func testGoldNeverInAnyRequestBody() async throws {
        let passage = Passage(id: "p", title: "T", text: "A story about planets.")
        for sendQuestion in [false, true] {
            let q = Fixtures.question(gold: 2, passage: passage)
            var conv = Conversation(question: q, systemPrompt: "Help.", sendQuestion: sendQuestion)
            conv.appendUser("Which is right?")
            // One server per provider: a server hands out its behaviours by connection, and a
            // client may open a connection it never uses.
            let openAIServer = try FaultServer([.sse(Fixtures.openAIStream)])
            let anthropicServer = try FaultServer([.sse(Fixtures.anthropicStream)])
            defer { openAIServer.stop(); anthropicServer.stop() }
            _ = await collect(try openAI(openAIServer), conv.messages, question: q)
            _ = await collect(try anthropic(anthropicServer), conv.messages, question: q)
            let requests = openAIServer.requests + anthropicServer.requests
            XCTAssertEqual(openAIServer.requests.count, 1)
            XCTAssertEqual(anthropicServer.requests.count, 1)
            for r in requests {
                XCTAssertFalse(r.body.contains("gold"), r.body)
                XCTAssertFalse(r.body.contains("Answer: C"), r.body)
                XCTAssertFalse(r.body.contains("\"answer\""), r.body)
                XCTAssertTrue(r.body.contains("A story about planets."), "passage is sent")
                XCTAssertEqual(r.body.contains("(C) Mars"), sendQuestion)
            }
        }
    }
}
