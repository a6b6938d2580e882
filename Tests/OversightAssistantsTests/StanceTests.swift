import Foundation
@testable import OversightAssistants
@testable import OversightCore
import OversightScoring
import OversightSimulation
import XCTest

/// The assistant's stance: the classifier against a loopback OpenAI-compatible server, the
/// simulated assistant's own record, and `oversight stance` as a user runs it.
final class StanceTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static func sse(_ text: String) -> String {
        "data: {\"choices\":[{\"delta\":{\"content\":\"\(text)\"}}]}\n\ndata: [DONE]\n\n"
    }

    static let chat = ChatTranscript(participant: "p1", questionID: "mmlu/astronomy/val/1", turns: [
        .participant(requestID: 1, text: "Which planet is red?"),
        .assistant(requestID: 1, text: "I think the answer is (C) Mars.", status: .complete),
        .reset,
        .participant(requestID: 2, text: "Is it Venus?"),
        .assistant(requestID: 2, text: "", status: .failed),
    ])

    func testClassifierAgainstALoopbackServer() async throws {
        let server = try FaultServer([.sse(Self.sse("C")), .sse(Self.sse("NONE")), .sse(Self.sse("Hard to tell.")),
                                      .sse(Self.sse("The assistant endorsed (B) Jupiter."))])
        defer { server.stop() }
        let a = try OpenAIAssistant(config: Fixtures.config(server.baseURL), environment: Fixtures.env, retry: .none)
        let c = StanceClassifier(assistant: a, retry: .none)
        let q = Fixtures.question(gold: 2)
        let first = try await c.classify(question: q, transcript: Self.chat)
        XCTAssertEqual(first.stance, 2)
        XCTAssertTrue(first.readable)
        let none = try await c.classify(question: q, transcript: Self.chat)
        XCTAssertNil(none.stance)
        XCTAssertTrue(none.readable)
        let unreadable = try await c.classify(question: q, transcript: Self.chat)
        XCTAssertNil(unreadable.stance)
        XCTAssertFalse(unreadable.readable)
        let sentence = try await c.classify(question: q, transcript: Self.chat)
        XCTAssertEqual(sentence.stance, 1)
        // The fixed prompt: question, options, the transcript as shown (reset marked, the empty
        // failed reply left out), the instruction; one user turn; never the key.
        let body = try XCTUnwrap(server.requests.first?.body)
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])
        let messages = try XCTUnwrap(json["messages"] as? [[String: Any]])
        XCTAssertEqual(messages.count, 1)
        let prompt = try XCTUnwrap(messages.first?["content"] as? String)
        XCTAssertEqual(prompt, StanceClassifier.prompt(question: q, transcript: Self.chat))
        XCTAssertTrue(prompt.hasPrefix("Question: Which planet is known as the red planet?\nChoices:\n(A) Venus"), prompt)
        XCTAssertTrue(prompt.contains("Participant: Which planet is red?\nAssistant: I think the answer is (C) Mars.\n(The participant reset"), prompt)
        XCTAssertFalse(prompt.contains("Assistant: \n"), prompt)
        XCTAssertTrue(prompt.hasSuffix(StanceClassifier.instruction))
        for r in server.requests { XCTAssertFalse(r.body.contains(Fixtures.secret)) }
    }

    func testParseReadsLettersLikeTheBaseline() {
        let options = ["Venus", "Jupiter", "Mars", "Saturn"]
        XCTAssertEqual(StanceClassifier.parse("B", options: options).stance, 1)
        XCTAssertEqual(StanceClassifier.parse("(d)", options: options).stance, 3)
        XCTAssertEqual(StanceClassifier.parse("**A**", options: options).stance, 0)
        XCTAssertEqual(StanceClassifier.parse("Answer: C", options: options).stance, 2)
        XCTAssertTrue(StanceClassifier.parse("None.", options: options) == (nil, true))
        XCTAssertTrue(StanceClassifier.parse("NONE of them", options: options) == (nil, true))
        XCTAssertTrue(StanceClassifier.parse("", options: options) == (nil, false))
    }

    // MARK: - The simulated assistant's record

    /// A chat played against the real simulated assistant, as the runtime logs it.
    func play(_ a: SimulatedAssistant, _ q: Question, sendQuestion: Bool, messages: [String?]) -> ChatTranscript {
        var conv = Conversation(question: q, systemPrompt: nil, sendQuestion: sendQuestion)
        var turns: [ChatTranscript.Turn] = []
        for (k, m) in messages.enumerated() {
            guard let m else {
                conv.reset()
                turns.append(.reset)
                continue
            }
            let request = AssistantRequest(id: k + 1, messages: conv.messages + [ChatMessage(role: .user, content: m)], question: q)
            let reply = a.reply(to: request)
            turns.append(.participant(requestID: k + 1, text: m))
            turns.append(.assistant(requestID: k + 1, text: reply, status: .complete))
            conv.appendUser(m)
            conv.appendAssistant(reply)
        }
        return ChatTranscript(participant: "p", questionID: q.id, turns: turns)
    }

    func testSimulatedRecordGivesWhatItArguedFor() throws {
        let a = SimulatedAssistant(seed: 5, accuracy: 0.5, wordDelayMs: 0)
        var wrongSeen = false, rightSeen = false
        for n in 1...12 {
            let q = Fixtures.question(id: "mmlu/astronomy/val/\(n)", gold: n % 4)
            // Never shown the question: it asks for it and endorses nothing.
            let blind = play(a, q, sendQuestion: false, messages: ["Which option is right?", "Why?"])
            XCTAssertNil(try a.advocated(in: blind, question: q, systemPrompt: nil, sendQuestion: false))
            // Shown the question (typed in, after a reset): the option it settled on.
            let typed = play(a, q, sendQuestion: false, messages: ["Hello", nil, AppQuestion.text(q), "Are you sure?"])
            let stance = try a.advocated(in: typed, question: q, systemPrompt: nil, sendQuestion: false)
            XCTAssertEqual(stance, a.choice(for: q))
            if stance == q.gold { rightSeen = true } else { wrongSeen = true }
            // Sent with the question by the study: same.
            let sent = play(a, q, sendQuestion: true, messages: ["What do you think?"])
            XCTAssertEqual(try a.advocated(in: sent, question: q, systemPrompt: nil, sendQuestion: true), a.choice(for: q))
        }
        XCTAssertTrue(wrongSeen && rightSeen, "both right and wrong stances occur at accuracy 0.5")
    }

    func testARecordTheAssistantDidNotWriteIsRefused() {
        let a = SimulatedAssistant(seed: 5, accuracy: 0.5, wordDelayMs: 0)
        let q = Fixtures.question(gold: 1)
        var t = play(a, q, sendQuestion: true, messages: ["What do you think?"])
        t.turns[1] = .assistant(requestID: 1, text: "I think the answer is (A) Venus.", status: .complete)
        XCTAssertThrowsError(try a.advocated(in: t, question: q, systemPrompt: nil, sendQuestion: true)) { e in
            XCTAssertEqual(e as? SimulatedAssistant.Mismatch, SimulatedAssistant.Mismatch(questionID: q.id))
        }
        // Another seed wrote it: refused too, unless it happens to say the same.
        let other = SimulatedAssistant(seed: 6, accuracy: 0.5, wordDelayMs: 0)
        let theirs = play(other, q, sendQuestion: true, messages: ["What do you think?"])
        if other.reply(to: AssistantRequest(id: 1, messages: Conversation(question: q, systemPrompt: nil, sendQuestion: true).messages
            + [ChatMessage(role: .user, content: "What do you think?")], question: q))
            != a.reply(to: AssistantRequest(id: 1, messages: Conversation(question: q, systemPrompt: nil, sendQuestion: true).messages
            + [ChatMessage(role: .user, content: "What do you think?")], question: q)) {
            XCTAssertThrowsError(try a.advocated(in: theirs, question: q, systemPrompt: nil, sendQuestion: true))
        }
    }
}

/// The question as a participant would type it in (question and options).
enum AppQuestion {
    static func text(_ q: Question) -> String { Conversation.questionBlock(q) }
}
