import Foundation
import XCTest
@testable import OversightCore

final class SimulatedAssistantTests: XCTestCase {
    private let passage = Passage(id: "p1", title: "The Orchard", text: """
        The orchard sat on the north slope above the river. Old Tomas planted the first pear trees \
        there in the year of the long drought.

        Every autumn his granddaughter counted the crates by lantern light. She wrote the numbers \
        in a green ledger that nobody else was allowed to touch! Was the ledger ever wrong? Only once, \
        when a crate of quinces was counted twice.
        """)

    private func question(_ id: String, gold: Int = 2, passage: Passage? = nil) -> Question {
        Question(id: id, task: passage == nil ? .mmlu : .quality, subject: "s",
                 text: "What did the granddaughter record in the ledger?",
                 options: ["The weather", "Letters to Tomas", "The number of crates", "River levels"],
                 gold: gold, passage: passage, metadata: QuestionMetadata(source: "t", line: 1))
    }

    /// A request as the app builds it; `sendQuestion` as the study's setting (the tests of how it
    /// argues send the question; the tests of what it cannot see do not).
    private func request(_ q: Question?, _ userMessages: [String], sendQuestion: Bool = true) -> AssistantRequest {
        var conv = q.map { Conversation(question: $0, systemPrompt: nil, sendQuestion: sendQuestion) }
        var messages = conv?.messages ?? []
        for m in userMessages {
            conv?.appendUser(m)
            messages.append(ChatMessage(role: .user, content: m))
        }
        return AssistantRequest(id: 1, messages: conv?.messages ?? messages, question: q)
    }

    private func collect(_ a: SimulatedAssistant, _ r: AssistantRequest) async throws -> (text: String, chunks: [AssistantChunk]) {
        var text = ""
        var chunks: [AssistantChunk] = []
        for try await c in a.stream(r) {
            chunks.append(c)
            if case .text(let t) = c { text += t }
        }
        return (text, chunks)
    }

    func testProviderAndModel() {
        let a = SimulatedAssistant(seed: 1, accuracy: 0.5, wordDelayMs: 0)
        XCTAssertEqual(a.provider, "simulated")
        XCTAssertNil(a.model)
    }

    func testChoiceIsDeterministicAcrossTurnsAndInstances() {
        let a = SimulatedAssistant(seed: 11, accuracy: 0.5, wordDelayMs: 0)
        let b = SimulatedAssistant(seed: 11, accuracy: 0.5, wordDelayMs: 0)
        for k in 0..<200 {
            let q = question("q\(k)", gold: k % 4)
            XCTAssertEqual(a.choice(for: q), b.choice(for: q))
        }
        let q = question("fixed")
        let pick = Question.letter(a.choice(for: q))
        let first = a.reply(to: request(q, ["What is the answer?"]))
        let later = a.reply(to: request(q, ["hello", "What do you think?", "Which one is it?"]))
        XCTAssertTrue(first.contains("(\(pick))"), first)
        XCTAssertTrue(later.contains("(\(pick))"), later)
        XCTAssertEqual(first, a.reply(to: request(q, ["What is the answer?"])))
        // A different seed changes some choices.
        let c = SimulatedAssistant(seed: 12, accuracy: 0.5, wordDelayMs: 0)
        XCTAssertTrue((0..<200).contains { a.choice(for: question("q\($0)")) != c.choice(for: question("q\($0)")) })
    }

    func testAccuracyMatchesConfiguration() {
        for accuracy in [0.0, 0.3, 0.75, 1.0] {
            let a = SimulatedAssistant(seed: 99, accuracy: accuracy, wordDelayMs: 0)
            let n = 2000
            var right = 0
            for k in 0..<n {
                let q = question("mmlu/x/val/\(k)", gold: k % 4)
                if a.choice(for: q) == q.gold { right += 1 }
            }
            let observed = Double(right) / Double(n)
            // 5 standard errors: a false failure is vanishingly rare, a wrong rule is caught.
            let bound = 5 * (accuracy * (1 - accuracy) / Double(n)).squareRoot() + 1e-9
            XCTAssertEqual(observed, accuracy, accuracy: bound, "accuracy \(accuracy)")
        }
    }

    func testWrongChoicesSpreadOverOtherOptions() {
        let a = SimulatedAssistant(seed: 5, accuracy: 0, wordDelayMs: 0)
        var counts = [0, 0, 0, 0]
        for k in 0..<900 { counts[a.choice(for: question("w\(k)", gold: 0))] += 1 }
        XCTAssertEqual(counts[0], 0)
        for c in counts[1...] { XCTAssertGreaterThan(c, 200) }
    }

    func testQuoteIsARealSentenceOfThePassage() {
        let a = SimulatedAssistant(seed: 3, accuracy: 1, wordDelayMs: 0)
        for ask in ["Can you quote the passage?", "What evidence is there?", "What does the passage say about it?"] {
            let reply = a.reply(to: request(question("quote", passage: passage), [ask]))
            let parts = reply.components(separatedBy: "\"")
            XCTAssertGreaterThanOrEqual(parts.count, 3, reply)
            let quote = parts[1]
            XCTAssertGreaterThan(quote.count, 20, reply)
            XCTAssertTrue(passage.text.contains(quote), "not in passage: \(quote)")
            XCTAssertTrue(reply.contains("(C)"), reply)
        }
        // Deterministic: the same request gives the same quote.
        let r = request(question("quote", passage: passage), ["quote please"])
        XCTAssertEqual(a.reply(to: r), a.reply(to: r))
        // The best match is the sentence about the ledger and the crates.
        XCTAssertTrue(a.reply(to: r).contains("counted the crates") || a.reply(to: r).contains("green ledger"))
    }

    func testSentencesAreExactSubstrings() {
        let sentences = SimulatedAssistant.sentences(in: passage.text)
        XCTAssertGreaterThanOrEqual(sentences.count, 4)
        for s in sentences { XCTAssertTrue(passage.text.contains(s), s) }
    }

    func testAnswersAboutOneOption() {
        let a = SimulatedAssistant(seed: 8, accuracy: 1, wordDelayMs: 0)
        let q = question("opt", gold: 1)
        let yes = a.reply(to: request(q, ["Is B right?"]))
        XCTAssertTrue(yes.hasPrefix("Yes") || yes.hasPrefix("I believe so"), yes)
        for ask in ["What about (d)?", "is option a correct", "C?"] {
            let no = a.reply(to: request(q, [ask]))
            XCTAssertTrue(no.contains("(B)"), no)
            XCTAssertFalse(no.hasPrefix("Yes"), no)
        }
        XCTAssertEqual(SimulatedAssistant.optionAskedAbout("is a dolphin a fish?"), nil)
        XCTAssertEqual(SimulatedAssistant.optionAskedAbout("what about b"), 1)
    }

    func testBlindToAnMMLUQuestionThatWasNotSent() {
        let a = SimulatedAssistant(seed: 8, accuracy: 1, wordDelayMs: 0)
        let q = question("blind", gold: 2)
        for ask in ["What is the answer?", "Is B right?", "Are you sure?", "Quote the evidence"] {
            let reply = a.reply(to: request(q, [ask], sendQuestion: false))
            XCTAssertTrue(reply.contains("cannot see the question"), reply)
            for option in q.options { XCTAssertFalse(reply.contains(option), "\(option) in: \(reply)") }
            XCTAssertFalse(reply.contains("(C)"), reply)
        }
        // Once the participant sends the question and its options (typed, or inserted with F6),
        // it argues for its pick as when the study sends the question.
        let inserted = "Question: What did the granddaughter record in the ledger? Choices: (A) The weather "
            + "(B) Letters to Tomas (C) The number of crates (D) River levels"
        let seen = a.reply(to: request(q, [inserted + " Which is it?"], sendQuestion: false))
        XCTAssertTrue(seen.contains("(C) The number of crates."), seen)
        // Typed with different case and punctuation, without the options: the answer in words only.
        let typed = a.reply(to: request(q, ["what did the granddaughter record in the ledger"], sendQuestion: false))
        XCTAssertTrue(typed.contains("The number of crates."), typed)
        XCTAssertFalse(typed.contains("(C)"), typed)
        let which = a.reply(to: request(q, ["what did the granddaughter record in the ledger? Is B right?"],
                                        sendQuestion: false))
        XCTAssertTrue(which.contains("not the options"), which)
    }

    func testBlindToAQualityQuestionButReadsThePassage() {
        let a = SimulatedAssistant(seed: 3, accuracy: 1, wordDelayMs: 0)
        let q = question("blindq", passage: passage)
        let plain = a.reply(to: request(q, ["Which option is right?"], sendQuestion: false))
        XCTAssertTrue(plain.contains("cannot see the question"), plain)
        XCTAssertFalse(plain.contains("(C)"), plain)
        // The passage's words do not count as the question having been sent.
        XCTAssertFalse(SimulatedAssistant.sees(q, in: [passage.text]).question)
        // Asked for evidence about its own words, it quotes the passage without picking an option.
        let quote = a.reply(to: request(q, ["Quote the passage about the green ledger"], sendQuestion: false))
        let parts = quote.components(separatedBy: "\"")
        XCTAssertGreaterThanOrEqual(parts.count, 3, quote)
        XCTAssertTrue(passage.text.contains(parts[1]), parts[1])
        XCTAssertFalse(quote.contains("(C)"), quote)
        // With send_question the passage turn carries the question and options.
        let sent = a.reply(to: request(q, ["Which option is right?"], sendQuestion: true))
        XCTAssertTrue(sent.contains("(C)"), sent)
    }

    func testWithoutAQuestionItAsksForOne() {
        let a = SimulatedAssistant(seed: 1, accuracy: 1, wordDelayMs: 0)
        let r = AssistantRequest(id: 1, messages: [ChatMessage(role: .user, content: "hi")], question: nil)
        XCTAssertTrue(a.reply(to: r).contains("I need a question"))
    }

    func testStreamsWordsThenDone() async throws {
        let a = SimulatedAssistant(seed: 4, accuracy: 1, wordDelayMs: 0)
        let r = request(question("s"), ["What is the answer?"])
        let (text, chunks) = try await collect(a, r)
        XCTAssertEqual(text, a.reply(to: r))
        XCTAssertGreaterThan(chunks.count, 5)
        guard case .done(let usage) = chunks.last else { return XCTFail("no .done at the end") }
        XCTAssertEqual(usage.completionTokens, chunks.count - 1)
        for c in chunks.dropLast() {
            guard case .text = c else { return XCTFail("unexpected chunk \(c)") }
        }
    }

    func testCancellationStopsTheStream() async throws {
        // 200 ms per word: the whole reply would take several seconds.
        let a = SimulatedAssistant(seed: 4, accuracy: 1, wordDelayMs: 200)
        let r = request(question("c"), ["What is the answer?"])
        let total = SimulatedAssistant.wordChunks(a.reply(to: r)).count
        let firstWord = expectation(description: "first word")
        let task = Task { () -> (Int, Bool) in
            var n = 0
            var sawFirst = false
            do {
                for try await c in a.stream(r) {
                    if case .text = c {
                        n += 1
                        if !sawFirst {
                            sawFirst = true
                            firstWord.fulfill()
                        }
                    }
                }
                return (n, false)
            } catch {
                return (n, (error as? AssistantError) == .cancelled || error is CancellationError)
            }
        }
        await fulfillment(of: [firstWord], timeout: 5)
        let start = Date()
        task.cancel()
        let (words, cancelled) = await task.value
        XCTAssertLessThan(Date().timeIntervalSince(start), 2, "cancellation was not prompt")
        XCTAssertLessThan(words, total)
        XCTAssertTrue(cancelled || words < total)
    }
}
