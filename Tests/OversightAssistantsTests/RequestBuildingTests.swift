import Foundation
@testable import OversightAssistants
import OversightCore
import XCTest

final class RequestBuildingTests: XCTestCase {
    let messages = [ChatMessage(role: .system, content: "Be brief."),
                    ChatMessage(role: .user, content: "Passage \"quoted\" / slash"),
                    ChatMessage(role: .assistant, content: "I have read the text."),
                    ChatMessage(role: .user, content: "Who?")]

    func testOpenAIBodyExactJSON() throws {
        var c = Fixtures.config("http://127.0.0.1:9/v1")
        c.temperature = 0.5
        c.maxTokens = 200
        let a = try OpenAIAssistant(config: c, environment: Fixtures.env)
        let json = String(decoding: try a.requestBody(messages, includeUsage: true).encoded(), as: UTF8.self)
        XCTAssertEqual(json, #"{"max_tokens":200,"messages":[{"content":"Be brief.","role":"system"},{"content":"Passage \"quoted\" / slash","role":"user"},{"content":"I have read the text.","role":"assistant"},{"content":"Who?","role":"user"}],"model":"test-model","stream":true,"stream_options":{"include_usage":true},"temperature":0.5}"#)
        let plain = String(decoding: try a.requestBody([messages[3]], includeUsage: false).encoded(), as: UTF8.self)
        XCTAssertEqual(plain, #"{"max_tokens":200,"messages":[{"content":"Who?","role":"user"}],"model":"test-model","stream":true,"temperature":0.5}"#)
    }

    func testOpenAIHeadersAndEndpoint() throws {
        let a = try OpenAIAssistant(config: Fixtures.config("http://127.0.0.1:9/v1/"), environment: Fixtures.env)
        let r = a.urlRequest(Data("{}".utf8))
        XCTAssertEqual(r.url?.absoluteString, "http://127.0.0.1:9/v1/chat/completions")
        XCTAssertEqual(r.httpMethod, "POST")
        XCTAssertEqual(r.value(forHTTPHeaderField: "Authorization"), "Bearer \(Fixtures.secret)")
        XCTAssertEqual(r.value(forHTTPHeaderField: "Content-Type"), "application/json")
        XCTAssertEqual(OpenAIAssistant.chatURL(base: "http://h:1")?.absoluteString, "http://h:1/v1/chat/completions")
        XCTAssertEqual(OpenAIAssistant.chatURL(base: "https://x.org/api/v1")?.absoluteString, "https://x.org/api/v1/chat/completions")
        XCTAssertNil(OpenAIAssistant.chatURL(base: "ftp://x"))
        XCTAssertNil(OpenAIAssistant.chatURL(base: "not a url"))
    }

    func testLikelihoodBodyExactJSON() throws {
        let a = try OpenAIAssistant(config: Fixtures.config("http://127.0.0.1:9/v1"), environment: Fixtures.env)
        let json = String(decoding: try a.likelihoodRequestBody("Q", top: 20).encoded(), as: UTF8.self)
        // No grammar: the letters' probabilities are read, not sampled.
        XCTAssertEqual(json, #"{"logprobs":true,"max_tokens":1,"messages":[{"content":"Q","role":"user"}],"model":"test-model","stream":true,"temperature":0,"top_logprobs":20}"#)
    }

    func testAnthropicBodyExactJSONAndHeaders() throws {
        var c = Fixtures.config("http://127.0.0.1:9", provider: .anthropic)
        c.temperature = 1
        let a = try AnthropicAssistant(config: c, environment: Fixtures.env)
        let msgs = messages + [ChatMessage(role: .user, content: "More?")]
        let json = String(decoding: try a.requestBody(msgs).encoded(), as: UTF8.self)
        XCTAssertEqual(json, #"{"max_tokens":1024,"messages":[{"content":"Passage \"quoted\" / slash","role":"user"},{"content":"I have read the text.","role":"assistant"},{"content":"Who?\n\nMore?","role":"user"}],"model":"claude-test","stream":true,"system":"Be brief.","temperature":1}"#)
        let r = a.urlRequest(Data())
        XCTAssertEqual(r.url?.absoluteString, "http://127.0.0.1:9/v1/messages")
        XCTAssertEqual(r.value(forHTTPHeaderField: "x-api-key"), Fixtures.secret)
        XCTAssertEqual(r.value(forHTTPHeaderField: "anthropic-version"), "2023-06-01")
        XCTAssertNil(r.value(forHTTPHeaderField: "Authorization"))
    }

    func testConfigurationErrorsNameTheVariableNotTheKey() {
        var c = Fixtures.config("http://127.0.0.1:9/v1")
        c.apiKeyEnv = "MISSING_KEY_VAR"
        XCTAssertThrowsError(try OpenAIAssistant(config: c, environment: [:])) { e in
            XCTAssertEqual(e as? AssistantError,
                           .configuration("environment variable MISSING_KEY_VAR (api_key_env) is not set"))
        }
        var openai = AssistantConfig()
        openai.provider = .openai
        XCTAssertThrowsError(try OpenAIAssistant(config: openai, environment: [:]))
        var anth = Fixtures.config("http://127.0.0.1:9", provider: .anthropic)
        anth.model = nil
        XCTAssertThrowsError(try AnthropicAssistant(config: anth, environment: Fixtures.env)) { e in
            XCTAssertFalse((e as? AssistantError)?.message.contains(Fixtures.secret) ?? true)
        }
    }

    func testConversationPassageInjectionAndReset() {
        let passage = Passage(id: "p1", title: "Story", text: "Once upon a time on Mars.")
        let q = Fixtures.question(passage: passage)
        var conv = Conversation(question: q, systemPrompt: "Sys", sendQuestion: false)
        XCTAssertEqual(conv.messages.map(\.role), [.system, .user, .assistant])
        XCTAssertEqual(conv.messages[1].content, "Once upon a time on Mars.")
        XCTAssertFalse(conv.messages.contains { $0.content.contains(q.text) }, "question is not sent unless asked")
        conv.appendUser("What happened?")
        conv.appendAssistant("Things.")
        conv.reset()
        XCTAssertEqual(conv.messages.count, 3, "reset keeps the passage turn only")
        let withQ = Conversation(question: q, systemPrompt: nil, sendQuestion: true)
        XCTAssertTrue(withQ.messages[0].content.hasPrefix("Once upon a time on Mars.\n\nQuestion: "))
        XCTAssertTrue(withQ.messages[0].content.contains("(C) Mars"))
    }

    func testRedactorRemovesKeysAndEchoes() {
        let s = Redactor.scrub("Incorrect API key provided: sk-test-***cdef. Key \(Fixtures.secret) bad", secrets: [Fixtures.secret])
        XCTAssertFalse(s.contains(Fixtures.secret))
        XCTAssertFalse(s.contains("sk-test"))
        XCTAssertTrue(s.contains("Incorrect API key provided"))
    }

    func testRetryPolicy() {
        let p = RetryPolicy(maxAttempts: 3, baseDelay: 1, maxDelay: 10)
        XCTAssertEqual(p.delay(after: .http(status: 500, message: "", retryAfterSeconds: nil), attempt: 1), 1)
        XCTAssertEqual(p.delay(after: .http(status: 503, message: "", retryAfterSeconds: nil), attempt: 2), 2)
        XCTAssertNil(p.delay(after: .http(status: 503, message: "", retryAfterSeconds: nil), attempt: 3), "bounded")
        XCTAssertEqual(p.delay(after: .http(status: 429, message: "", retryAfterSeconds: 7), attempt: 1), 7)
        XCTAssertNil(p.delay(after: .http(status: 429, message: "", retryAfterSeconds: 60), attempt: 1), "over the cap")
        XCTAssertNil(p.delay(after: .http(status: 401, message: "", retryAfterSeconds: nil), attempt: 1))
        XCTAssertNil(p.delay(after: .http(status: 404, message: "", retryAfterSeconds: nil), attempt: 1))
        XCTAssertEqual(p.delay(after: .unreachable("connection to h refused"), attempt: 1), 1)
        XCTAssertNil(p.delay(after: .unreachable("cannot resolve host x.invalid"), attempt: 1))
        XCTAssertNil(p.delay(after: .malformed("x"), attempt: 1))
        XCTAssertEqual(ChatHTTP.retryAfter("12"), 12)
        XCTAssertNil(ChatHTTP.retryAfter("soon"))
        XCTAssertEqual(ChatHTTP.retryAfter("Wed, 21 Oct 2015 07:28:00 GMT"), 0, "a date in the past means now")
    }

    func testErrorMessageExtraction() {
        XCTAssertEqual(ChatHTTP.errorMessage(from: Data(#"{"error":{"message":"bad model","type":"x"}}"#.utf8)), "bad model")
        XCTAssertEqual(ChatHTTP.errorMessage(from: Data(#"{"error":"nope"}"#.utf8)), "nope")
        XCTAssertEqual(ChatHTTP.errorMessage(from: Data(#"{"detail":"Not Found"}"#.utf8)), "Not Found")
        XCTAssertEqual(ChatHTTP.errorMessage(from: Data("plain\ntext".utf8)), "plain text")
    }
}

final class SecretHidingTests: XCTestCase {
    func testDescriptionsAndDumpsNeverShowTheKey() throws {
        let o = try OpenAIAssistant(config: Fixtures.config("http://127.0.0.1:9/v1"), environment: Fixtures.env)
        let a = try AnthropicAssistant(config: Fixtures.config("http://127.0.0.1:9", provider: .anthropic), environment: Fixtures.env)
        for value in [o as Any, a as Any] {
            var dumped = ""
            dump(value, to: &dumped)
            for text in ["\(value)", String(reflecting: value), dumped] {
                XCTAssertFalse(text.contains(Fixtures.secret), text)
            }
        }
        XCTAssertTrue("\(o)".contains("[redacted]"))
    }
}
