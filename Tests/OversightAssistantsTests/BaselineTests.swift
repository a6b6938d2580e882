import Foundation
@testable import OversightAssistants
import OversightCore
import XCTest

final class BaselineTests: XCTestCase {
    let options = ["Venus", "Jupiter", "Mars", "Saturn"]

    func testLetterParser() {
        let cases: [(String, Int?)] = [
            ("B", 1), ("(B)", 1), ("B.", 1), ("B) Jupiter", 1), ("  c) Mars", 2), ("(c) Mars", 2),
            ("The answer is C", 2), ("The answer is (d).", 3), ("Answer: A", 0), ("**D**", 3),
            ("I think the correct option is B because…", 1), ("D: Saturn", 3),
            ("(C) kivas\nThe answer is (B).", 2), ("It must be Mars.", 2),
            ("A planet is a body.", nil), ("The answer is a gas giant", nil), ("", nil), ("I don't know", nil),
            ("Either (A) or (B)", nil), ("Mars or Venus", nil), ("A", 0), ("A.", 0),
        ]
        for (reply, want) in cases {
            XCTAssertEqual(LetterParser.parse(reply, options: options), want, "reply: \(reply)")
        }
    }

    func testPromptFormatPassageFirstAndNoOwnAnswer() {
        let passage = Passage(id: "p", title: "T", text: "The story text.")
        let q = Fixtures.question(gold: 2, passage: passage)
        let p = BaselinePrompt.prompt(q)
        XCTAssertEqual(p, "The story text.\n\nQuestion: Which planet is known as the red planet?\nChoices:\n(A) Venus\n(B) Jupiter\n(C) Mars\n(D) Saturn\nAnswer:")
        let shot = Fixtures.question(id: "mmlu/astronomy/dev/1", gold: 0)
        let few = BaselinePrompt.prompt(Fixtures.question(gold: 2), shots: [shot])
        XCTAssertTrue(few.hasPrefix("Question: Which planet is known as the red planet?\nChoices:\n(A) Venus\n(B) Jupiter\n(C) Mars\n(D) Saturn\nAnswer: A\n\nQuestion:"))
        XCTAssertTrue(few.hasSuffix("(D) Saturn\nAnswer:"))
        XCTAssertFalse(few.contains("Answer: C"), "never the question's own answer")
    }

    func testLetterProbabilitiesFromChatLogprobs() throws {
        let body = #"{"choices":[{"logprobs":{"content":[{"token":"B","logprob":-0.5,"top_logprobs":[{"token":"(","logprob":-1.0},{"token":"B","logprob":-0.5},{"token":" B","logprob":-2.0},{"token":"C","logprob":-1.5},{"token":"A","logprob":-3.0},{"token":"The","logprob":-2.5}]}]}}]}"#
        // One chunk of the streamed one-token reply, as the likelihood runner reads it.
        let p = try XCTUnwrap(LetterProbabilities.letters(chunk: Data(body.utf8))?.probabilities)
        XCTAssertEqual(p.reduce(0, +), 1, accuracy: 1e-9)
        XCTAssertEqual(LetterProbabilities.argmax(p), 1)
        // Only the letter tokens themselves count (" B" is another token): a softmax over the
        // four letters' log-probabilities, an unlisted letter (D) as 0.
        let b = exp(-0.5), c = exp(-1.5), a = exp(-3.0)
        XCTAssertEqual(p[0], a / (a + b + c), accuracy: 1e-12)
        XCTAssertEqual(p[1], b / (a + b + c), accuracy: 1e-12)
        XCTAssertEqual(p[2], c / (a + b + c), accuracy: 1e-12)
        XCTAssertEqual(p[3], 0)
        XCTAssertEqual(LetterProbabilities.letters(chunk: Data(body.utf8))?.complete, false)
        // A chunk without log-probabilities (the closing one) or not JSON at all lists nothing.
        XCTAssertNil(LetterProbabilities.letters(chunk: Data(#"{"choices":[{"delta":{"content":"x"}}]}"#.utf8)))
        XCTAssertNil(LetterProbabilities.letters(chunk: Data("nope".utf8)))
    }

    /// Letters far down the list (the model would rather start "The answer is") keep their
    /// relative sizes instead of underflowing to 0 or 0.5/0.5.
    func testLetterProbabilitiesFarDownTheListDoNotUnderflow() throws {
        let letters = FirstTokenLetters(logprobs: [-750.0, -751.0, -752.0, -.infinity])
        XCTAssertTrue(letters.complete)
        let p = try XCTUnwrap(letters.probabilities)
        let z = 1 + exp(-1.0) + exp(-2.0)
        XCTAssertEqual(p[0], 1 / z, accuracy: 1e-12)
        XCTAssertEqual(p[1], exp(-1.0) / z, accuracy: 1e-12)
        XCTAssertEqual(p[2], exp(-2.0) / z, accuracy: 1e-12)
        XCTAssertEqual(p[3], 0)
        XCTAssertNil(FirstTokenLetters(logprobs: [nil, nil, nil, nil]).probabilities)
        XCTAssertNil(FirstTokenLetters(logprobs: [-.infinity, nil, nil, nil]).probabilities)
    }

    /// A streamed one-token reply with its log-probabilities, as llama-cpp-python sends it.
    static func logprobStream(_ top: [(String, Double)]) -> String {
        let items = top.map { #"{"token":"\#($0.0)","logprob":\#($0.1),"bytes":null}"# }.joined(separator: ",")
        let first = #"{"id":"c","object":"chat.completion.chunk","model":"m","choices":[{"index":0,"delta":{"content":"\#(top[0].0)"},"logprobs":{"content":[{"token":"\#(top[0].0)","logprob":\#(top[0].1),"bytes":null,"top_logprobs":[\#(items)]}],"refusal":null},"finish_reason":null}]}"#
        let last = #"{"id":"c","object":"chat.completion.chunk","model":"m","choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"length"}]}"#
        return "data: \(first)\r\n\r\ndata: \(last)\r\n\r\ndata: [DONE]\r\n\r\n"
    }

    /// A letter missing from the first list: the runner asks again for a longer one (a
    /// llama.cpp server lists as many as asked) and reports the complete distribution.
    func testRunnerAsksForMoreAlternativesUntilEveryLetterIsListed() async throws {
        let short = BaselineTests.logprobStream([("The", -0.1), ("C", -3.0), ("B", -4.0)])
        let long = BaselineTests.logprobStream([("The", -0.1), ("C", -3.0), ("B", -4.0), ("Answer", -5.0), ("A", -9.0), ("D", -12.0)])
        let server = try FaultServer([.sse(short), .sse(long)])
        defer { server.stop() }
        let a = try OpenAIAssistant(config: Fixtures.config(server.baseURL), environment: Fixtures.env, retry: .none)
        let r = BaselineRunner(provider: "local", model: "m", assistant: a, scorer: a,
                               firstTokenSteps: BaselineRunner.llamaCppSteps, retry: .none)
        let res = try await r.run(Fixtures.question(gold: 2), shots: [], convention: .likelihood)
        XCTAssertEqual(server.requests.count, 2, "stops as soon as all four letters are listed")
        XCTAssertTrue(server.requests[0].body.contains(#""top_logprobs":20"#), server.requests[0].body)
        XCTAssertTrue(server.requests[1].body.contains(#""top_logprobs":1000"#), server.requests[1].body)
        XCTAssertFalse(server.requests[0].body.contains("grammar"))
        let p = try XCTUnwrap(res.letterProbabilities)
        let mass = [exp(-9.0), exp(-4.0), exp(-3.0), exp(-12.0)]
        for i in 0..<4 { XCTAssertEqual(p[i], mass[i] / mass.reduce(0, +), accuracy: 1e-12) }
        XCTAssertEqual(res.predicted, 2)

        // A server that lists at most 20 (OpenAI's API): one request; unlisted letters are 0.
        let capped = try FaultServer([.sse(short)])
        defer { capped.stop() }
        let b = try OpenAIAssistant(config: Fixtures.config(capped.baseURL), environment: Fixtures.env, retry: .none)
        let rc = BaselineRunner(provider: "openai", model: "m", assistant: b, scorer: b, retry: .none)
        let rcRes = try await rc.run(Fixtures.question(gold: 2), shots: [], convention: .likelihood)
        let pc = try XCTUnwrap(rcRes.letterProbabilities)
        XCTAssertEqual(capped.requests.count, 1)
        XCTAssertEqual(pc[0], 0)
        XCTAssertEqual(pc[2], exp(-3.0) / (exp(-3.0) + exp(-4.0)), accuracy: 1e-12)
    }

    private func runner(_ server: FaultServer, retry: RetryPolicy = .none) throws -> BaselineRunner {
        let a = try OpenAIAssistant(config: Fixtures.config(server.baseURL), environment: Fixtures.env, retry: .none)
        return BaselineRunner(provider: "openai", model: "test-model", assistant: a, scorer: a, retry: retry)
    }

    private static func logprobBody(_ letter: String) -> String {
        logprobStream([(letter, -0.2), ("A", -2.0)])
    }

    private static func sseReply(_ text: String) -> String {
        "data: {\"choices\":[{\"delta\":{\"content\":\"\(text)\"}}]}\n\ndata: [DONE]\n\n"
    }

    func testRunnerBothConventionsAgainstServerAndGoldNeverSent() async throws {
        let server = try FaultServer([.sse(BaselineTests.logprobBody("C")),
                                      .sse(BaselineTests.sseReply("(B) Jupiter"))])
        defer { server.stop() }
        let r = try runner(server)
        let q = Fixtures.question(gold: 2)
        let lik = try await r.run(q, shots: [], convention: .likelihood)
        XCTAssertEqual(lik.predicted, 2)
        XCTAssertTrue(lik.correct)
        XCTAssertNotNil(lik.letterProbabilities)
        XCTAssertNil(lik.reply)
        let gen = try await r.run(q, shots: [], convention: .generate)
        XCTAssertEqual(gen.predicted, 1)
        XCTAssertFalse(gen.correct)
        XCTAssertEqual(gen.reply, "(B) Jupiter")
        XCTAssertEqual(server.requests.count, 2)
        for req in server.requests {
            XCTAssertFalse(req.body.contains("Answer: C"), req.body)
            XCTAssertFalse(req.body.contains("gold"), req.body)
            XCTAssertTrue(req.body.contains(#"Answer:""#), "prompt ends with Answer:")
        }
        XCTAssertTrue(server.requests[0].body.contains(#""logprobs":true"#))
    }

    func testRunnerFaultsAreErrorsNotAnswers() async throws {
        let refused = try LocalModelServer.freePort()
        let a = try OpenAIAssistant(config: Fixtures.config("http://127.0.0.1:\(refused)/v1"), environment: Fixtures.env, retry: .none)
        let r = BaselineRunner(provider: "openai", model: "m", assistant: a, scorer: a, retry: .none)
        for convention in BaselineConvention.allCases {
            do {
                _ = try await r.run(Fixtures.question(), shots: [], convention: convention)
                XCTFail("expected an error")
            } catch let e as AssistantError {
                guard case .unreachable = e else { return XCTFail("got \(e)") }
            }
        }
        let dns = try OpenAIAssistant(config: Fixtures.config("http://nowhere.invalid/v1"), environment: Fixtures.env, retry: .none)
        let rd = BaselineRunner(provider: "openai", model: "m", assistant: dns, scorer: dns, retry: .none)
        await XCTAssertThrowsAsync(try await rd.run(Fixtures.question(), shots: [], convention: .likelihood))

        let faults: [FaultServer.Behavior] = [
            .respond(status: 401, body: #"{"error":{"message":"bad key \#(Fixtures.secret)"}}"#),
            .respond(status: 404, body: "{}"),
            .respond(status: 429, headers: ["Retry-After": "999"], body: "{}"),
            .respond(status: 500, body: "{}"),
            .respond(status: 200, body: "{not json"),
            .truncated(declared: 4000, body: "{\"choices\":"),
            .stall(""),
        ]
        for fault in faults {
            let server = try FaultServer([fault])
            defer { server.stop() }
            let c = Fixtures.config(server.baseURL, timeout: 0.5)
            let a = try OpenAIAssistant(config: c, environment: Fixtures.env, retry: .none)
            let r = BaselineRunner(provider: "openai", model: "m", assistant: a, scorer: a, retry: .none)
            do {
                let res = try await r.run(Fixtures.question(), shots: [], convention: .likelihood)
                XCTFail("\(fault): expected an error, got \(res)")
            } catch let e as AssistantError {
                XCTAssertFalse(e.message.contains(Fixtures.secret), e.message)
            }
        }
    }

    func testRunnerRetries500ThenSucceeds() async throws {
        let server = try FaultServer([.respond(status: 503, body: "{}"), .sse(BaselineTests.logprobBody("C"))])
        defer { server.stop() }
        let r = try runner(server, retry: RetryPolicy(maxAttempts: 3, baseDelay: 0.01, maxDelay: 1))
        let res = try await r.run(Fixtures.question(gold: 2), shots: [], convention: .likelihood)
        XCTAssertTrue(res.correct)
        XCTAssertEqual(server.requests.count, 2)
    }

    func testEngineAppendsResumesAndTallies() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("baseline-test-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("sub/results.jsonl")
        let qs = (1...3).map { Fixtures.question(id: "mmlu/astronomy/val/\($0)", gold: 2) }
        let jobs = qs.map { BaselineJob(question: $0, shots: [], convention: .generate) }
        // First run: two answers, then the server is gone (third fails, not recorded).
        let s1 = try FaultServer([.sse(BaselineTests.sseReply("C")), .sse(BaselineTests.sseReply("I have no idea")), .hangUp])
        let r1 = try runner(s1)
        let rep1 = try await BaselineEngine.run(jobs: jobs, runner: r1, outputs: [.generate: out], concurrency: 1, showProgress: false)
        s1.stop()
        let t1 = try XCTUnwrap(rep1.tallies[.generate])
        XCTAssertEqual(t1.total, 2)
        XCTAssertEqual(t1.correct, 1)
        XCTAssertEqual(t1.unparsed, 1)
        XCTAssertEqual(t1.failed, 1)
        XCTAssertEqual(try BaselineFile.load(out).count, 2)
        // A torn last line (killed mid-write) is ignored and the next line starts fresh.
        let h = try FileHandle(forWritingTo: out)
        _ = try h.seekToEnd()
        try h.write(contentsOf: Data(#"{"convention":"gen"#.utf8))
        try h.close()
        // Rerun: only the failed question is asked again.
        let s2 = try FaultServer([.sse(BaselineTests.sseReply("(C)"))])
        defer { s2.stop() }
        let rep2 = try await BaselineEngine.run(jobs: jobs, runner: try runner(s2), outputs: [.generate: out], concurrency: 4, showProgress: false)
        XCTAssertEqual(s2.requests.count, 1)
        XCTAssertEqual(rep2.skipped, 2)
        let t2 = try XCTUnwrap(rep2.tallies[.generate])
        XCTAssertEqual([t2.total, t2.correct, t2.failed], [3, 2, 0])
        let lines = try BaselineFile.load(out)
        XCTAssertEqual(Set(lines.map(\.questionID)), Set(qs.map(\.id)))
        // A damaged line in the middle is bad input naming the line.
        try Data("{}\n{\"x\":1}\n".utf8).write(to: out)
        do {
            _ = try BaselineFile.load(out)
            XCTFail("expected an input error")
        } catch let e as InputError {
            XCTAssertEqual(e.line, 1)
        }
    }

    func testProgressBarLine() {
        let bar = ProgressBar(total: 4, label: "generate", interactive: false)
        XCTAssertTrue(bar.line().hasPrefix("[------------------------] 0/4 0%  ETA --:--"))
        XCTAssertEqual(ProgressBar.clock(83), "1:23")
        XCTAssertEqual(ProgressBar.clock(3725), "1:02:05")
    }
}

func XCTAssertThrowsAsync<T>(_ body: @autoclosure () async throws -> T, file: StaticString = #filePath, line: UInt = #line) async {
    do {
        _ = try await body()
        XCTFail("expected an error", file: file, line: line)
    } catch {}
}
