import Foundation
import OversightCore
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// How the model's answer is read in a baseline run.
public enum BaselineConvention: String, Sendable, CaseIterable {
    /// The letter with the highest probability as the first token of the answer.
    case likelihood
    /// The letter parsed from a short generated reply (unparseable = wrong).
    case generate
    /// The model judges a consultancy: a model consultant argues, the model states probabilities.
    case judgeConsultancy = "judge-consultancy"
    /// The model judges a debate between two model debaters.
    case judgeDebate = "judge-debate"

    /// The protocol a judge convention runs; nil for the model-alone conventions.
    public var judgedCondition: Condition? {
        switch self {
        case .judgeConsultancy: .consultancy
        case .judgeDebate: .debate
        case .likelihood, .generate: nil
        }
    }
}

/// Zero- and few-shot prompts of the model-alone baseline (Bowman et al.'s format).
public enum BaselinePrompt {
    /// One question in the prompt format, ending with `Answer:` (and the gold letter for a
    /// worked example).
    public static func block(_ q: Question, withAnswer: Bool) -> String {
        Conversation.questionBlock(q) + "\nAnswer:" + (withAnswer ? " \(Question.letter(q.gold))" : "")
    }

    /// The prompt for `question`: its passage first (QuALITY), then the worked examples, then
    /// the question. Never holds the question's own answer.
    public static func prompt(_ question: Question, shots: [Question] = []) -> String {
        var parts: [String] = []
        if let passage = question.passage { parts.append(passage.text) }
        for s in shots where s.id != question.id { parts.append(block(s, withAnswer: true)) }
        parts.append(block(question, withAnswer: false))
        return parts.joined(separator: "\n\n")
    }
}

/// Reads the chosen option out of a model's free-text reply.
public enum LetterParser {
    /// The option (0...3) a reply picks, or nil when it names none or several.
    ///
    /// Understands "B", "(B)", "B.", "B) text", "Answer: B", "The answer is (c)", "**C**" and
    /// a reply that repeats exactly one option's text.
    public static func parse(_ reply: String, options: [String] = []) -> Int? {
        let text = reply.replacingOccurrences(of: "*", with: "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else { return nil }
        let chars = Array(text)

        func letterIndex(_ c: Character, allowLower: Bool) -> Int? {
            let up: Character = allowLower ? Character(c.uppercased()) : c
            return ["A", "B", "C", "D"].firstIndex(of: up)
        }
        func isBoundary(_ i: Int) -> Bool {
            i >= chars.count || !(chars[i].isLetter || chars[i].isNumber)
        }

        // 1. The reply starts with the letter: "B", "B.", "(B)", "B) …", "B: …" (what the model
        //    answered first wins over a later change of mind).
        let lower = text.lowercased()
        var i = 0
        if chars[0] == "(" { i = 1 }
        if i < chars.count, let idx = letterIndex(chars[i], allowLower: i == 1), isBoundary(i + 1) {
            let next: Character? = i + 1 < chars.count ? chars[i + 1] : nil
            if next.map({ [".", ")", ":", ",", "\n", " "].contains($0) }) ?? true {
                // "A cat…" is an article, not an answer: a bare capital followed by a space
                // counts only when the rest does not read as a sentence starting with it.
                if next == " ", i == 0, chars.count > 2, chars[2].isLowercase { } else { return idx }
            }
        }
        // 2. An explicit "answer is X" / "answer: (X)" / "option X".
        for key in ["answer is", "answer:", "answer would be", "correct option is", "correct choice is", "option", "choice"] {
            var search = lower.startIndex
            while let r = lower.range(of: key, range: search..<lower.endIndex) {
                search = r.upperBound
                var i = lower.distance(from: lower.startIndex, to: r.upperBound)
                var parenthesised = false
                while i < chars.count, chars[i] == " " || chars[i] == ":" || chars[i] == "(" || chars[i] == "\"" {
                    if chars[i] == "(" { parenthesised = true }
                    i += 1
                }
                // A lower-case letter counts only in parentheses ("answer is a type…" is not A).
                if i < chars.count, let idx = letterIndex(chars[i], allowLower: parenthesised), isBoundary(i + 1),
                   i == 0 || !chars[i - 1].isLetter {
                    return idx
                }
            }
        }
        // 3. Letters in parentheses or followed by ")": one distinct letter only.
        var found = Set<Int>()
        for j in 0..<chars.count {
            if chars[j] == "(", j + 2 < chars.count, chars[j + 2] == ")",
               let idx = letterIndex(chars[j + 1], allowLower: true) { found.insert(idx) }
        }
        if found.count == 1 { return found.first }
        if found.count > 1 { return nil }
        // 4. Exactly one option's text appears in the reply.
        let hits = options.enumerated().filter { !$0.element.isEmpty && lower.contains($0.element.lowercased()) }
        if hits.count == 1 { return hits[0].offset }
        return nil
    }
}

/// What a server listed for the first token of a reply: the log-probability of each letter
/// token A-D (nil where that token was not among the alternatives listed).
public struct FirstTokenLetters: Sendable, Equatable {
    /// Natural log-probabilities of the tokens "A", "B", "C", "D"; nil = not listed
    /// (-infinity = listed with probability 0).
    public var logprobs: [Double?]

    public init(logprobs: [Double?]) {
        self.logprobs = logprobs
    }

    /// Every letter was listed: the distribution over the four is exact.
    public var complete: Bool { logprobs.allSatisfy { $0 != nil } }

    /// The probabilities of A-D renormalised over the four letters (unlisted letters count as
    /// 0), or nil when no letter was listed.
    public var probabilities: [Double]? {
        guard let top = logprobs.compactMap({ $0 }).filter(\.isFinite).max() else { return nil }
        // Subtract the largest before exponentiating: letters far down the list (log-probability
        // -40 and below) must not all underflow to 0.
        let mass = logprobs.map { $0.map { exp($0 - top) } ?? 0 }
        let total = mass.reduce(0, +)
        return mass.map { $0 / total }
    }
}

/// Letter probabilities from the log-probabilities of a reply's first token.
///
/// A letter's probability is that of the reply starting with the token that is exactly the
/// letter ("A", "B", "C", "D": what a one-letter answer starts with), renormalised over the
/// four letters. Tokens such as " A" or "(A" do not count, so the numbers equal a direct
/// softmax over the four letter tokens' logits.
public enum LetterProbabilities {
    /// The letters' log-probabilities in one chunk of a streamed chat completion, or nil when
    /// the chunk carries no log-probabilities (the closing chunk, say).
    public static func letters(chunk: Data) -> FirstTokenLetters? {
        guard let obj = (try? JSONSerialization.jsonObject(with: chunk)) as? [String: Any],
              let choices = obj["choices"] as? [[String: Any]], let first = choices.first,
              let alternatives = firstTokenAlternatives(first), !alternatives.isEmpty else { return nil }
        return collect(alternatives)
    }

    /// (token, log-probability) of the first generated token and its listed alternatives.
    private static func firstTokenAlternatives(_ choice: [String: Any]) -> [(String, Double)]? {
        // Chat format: logprobs.content[0] = {token, logprob, top_logprobs: [{token, logprob}]}.
        guard let lp = choice["logprobs"] as? [String: Any], let content = lp["content"] as? [[String: Any]],
              let tok = content.first else { return nil }
        var candidates: [(String, Double)] = []
        if let top = tok["top_logprobs"] as? [[String: Any]] {
            for t in top {
                if let s = t["token"] as? String, let l = number(t["logprob"]) { candidates.append((s, l)) }
            }
        }
        if let s = tok["token"] as? String, let l = number(tok["logprob"]) { candidates.append((s, l)) }
        return candidates
    }

    private static func number(_ v: Any?) -> Double? {
        if let d = v as? Double { return d }
        if let n = v as? NSNumber { return n.doubleValue }
        return nil
    }

    /// The letter tokens among `tokens` (token text, log-probability).
    public static func collect(_ tokens: [(String, Double)]) -> FirstTokenLetters {
        var out: [Double?] = [nil, nil, nil, nil]
        var seen = Set<String>()
        for (token, logprob) in tokens where seen.insert(token).inserted {
            // -infinity is a listed letter with probability 0; NaN is no number at all.
            if let idx = Question.letters.firstIndex(of: token), !logprob.isNaN { out[idx] = logprob }
        }
        return FirstTokenLetters(logprobs: out)
    }

    /// Index of the largest probability (first on ties).
    public static func argmax(_ p: [Double]) -> Int? {
        guard !p.isEmpty else { return nil }
        var best = 0
        for i in p.indices where p[i] > p[best] { best = i }
        return best
    }
}

extension OpenAIAssistant {
    /// The body of a one-token completion that asks for the `top` most likely first tokens
    /// with their log-probabilities (likelihood baseline). Streamed: llama-cpp-python then
    /// computes log-probabilities for the one position asked about, where a non-streamed
    /// request normalises the logits of every prompt position (gigabytes for a QuALITY article).
    public func likelihoodRequestBody(_ prompt: String, top: Int) -> OpenAIChatRequest {
        OpenAIChatRequest(model: configuredModel, messages: [.init(role: "user", content: prompt)], stream: true,
                          streamOptions: nil, temperature: 0, maxTokens: 1, logprobs: true, topLogprobs: top)
    }

    /// The letters among the `top` most likely first tokens of the reply to `prompt` (none
    /// when the server sends no log-probabilities).
    public func firstTokenLetters(_ prompt: String, top: Int) async throws -> FirstTokenLetters {
        let body: Data
        do { body = try likelihoodRequestBody(prompt, top: top).encoded() } catch {
            throw AssistantError.configuration("could not encode the request")
        }
        var decoder = OpenAIStreamDecoder()
        var found: FirstTokenLetters?
        try await ChatHTTP.streamEvents(urlRequest(body), idleTimeout: timeoutSeconds, secrets: secrets) { event in
            // Checks the chunk (errors sent inside the stream) and sees the end.
            let step = try decoder.decode(event)
            if found == nil, !event.isDone { found = LetterProbabilities.letters(chunk: Data(event.data.utf8)) }
            return step.done
        }
        return found ?? FirstTokenLetters(logprobs: [nil, nil, nil, nil])
    }
}

/// The model alone on a list of questions: builds prompts, asks, scores, returns
/// `BaselineResult`s. Errors of one question are retried (bounded) and then reported, never
/// recorded as an answer.
public struct BaselineRunner: Sendable {
    public let provider: String
    public let model: String
    /// Used for `generate`.
    public let assistant: any Assistant
    /// Used for `likelihood` (an OpenAI-compatible endpoint with log-probabilities).
    public let scorer: OpenAIAssistant?
    /// How many first-token alternatives to ask for, in turn, until all four letters are
    /// among them. OpenAI's API lists at most 20, so remote providers get `[20]`.
    public let firstTokenSteps: [Int]
    public let retry: RetryPolicy
    /// The judge conventions' draws and settings.
    public var judging = JudgeSettings()

    /// For a llama.cpp server, which lists as many alternatives as asked: when a letter is not
    /// among the 20 most likely first tokens (a chat model that would rather start "The answer
    /// is"), ask again for more; the last step lists the whole vocabulary. The server still
    /// holds the prompt it has just read, so a repeat reads nothing again.
    public static let llamaCppSteps = [20, 1_000, 1_000_000]

    public init(provider: String, model: String, assistant: any Assistant, scorer: OpenAIAssistant?,
                firstTokenSteps: [Int] = [20], retry: RetryPolicy = RetryPolicy()) {
        self.provider = provider
        self.model = model
        self.assistant = assistant
        self.scorer = scorer
        self.firstTokenSteps = firstTokenSteps.isEmpty ? [20] : firstTokenSteps
        self.retry = retry
    }

    /// First line of the generate convention's prompt: without it chat models start a chain of
    /// thought that a short reply cuts off before any letter (a system message was ignored).
    public static let generateInstruction = "Reply with only the letter (A, B, C or D) of the correct option."

    /// Answer `question` under `convention` with `shots` worked examples.
    public func run(_ question: Question, shots: [Question], convention: BaselineConvention) async throws -> BaselineResult {
        let prompt = BaselinePrompt.prompt(question, shots: shots)
        let start = DispatchTime.now().uptimeNanoseconds
        var predicted: Int?
        var probabilities: [Double]?
        var reply: String?
        switch convention {
        case .likelihood:
            guard let scorer else {
                throw AssistantError.configuration("the likelihood convention needs log-probabilities, which provider \(provider) does not give; use --convention generate")
            }
            probabilities = try await letterDistribution(prompt, scorer: scorer)
            predicted = probabilities.flatMap(LetterProbabilities.argmax)
        case .generate:
            let text = try await withRetries { try await collect(prompt) }
            reply = text
            predicted = LetterParser.parse(text, options: question.options)
        case .judgeConsultancy, .judgeDebate:
            return try await ProtocolJudge(runner: self).run(question, condition: convention.judgedCondition ?? .debate)
        }
        let ms = Int64((DispatchTime.now().uptimeNanoseconds - start) / 1_000_000)
        return BaselineResult(convention: convention.rawValue, shots: shots.count, provider: provider, model: model,
                              questionID: question.id, task: question.task, subject: question.subject,
                              gold: question.gold, predicted: predicted, letterProbabilities: probabilities,
                              correct: predicted == question.gold, latencyMs: ms, reply: reply)
    }

    /// The model's probabilities of A-D as the reply's first token: the four letter tokens'
    /// share of the first token's distribution, renormalised. Asks for longer lists of
    /// alternatives (`firstTokenSteps`) until every letter is listed; a letter still missing
    /// after the last step counts as 0 (a server that lists only its top few).
    public func letterDistribution(_ prompt: String, scorer: OpenAIAssistant) async throws -> [Double]? {
        var found = FirstTokenLetters(logprobs: [nil, nil, nil, nil])
        for top in firstTokenSteps {
            found = try await withRetries { try await scorer.firstTokenLetters(prompt, top: top) }
            if found.complete { break }
        }
        return found.probabilities
    }

    /// The whole streamed reply to `messages` (retried like the other requests).
    func complete(_ messages: [ChatMessage]) async throws -> String {
        try await withRetries {
            var text = ""
            for try await chunk in assistant.stream(AssistantRequest(id: 0, messages: messages, question: nil)) {
                if case .text(let t) = chunk { text += t }
            }
            return text
        }
    }

    private func collect(_ prompt: String) async throws -> String {
        try await Self.collect(BaselineRunner.generateInstruction + "\n\n" + prompt, from: assistant)
    }

    /// The whole reply of `assistant` to one user turn `prompt`, read from its streamed chunks.
    public static func collect(_ prompt: String, from assistant: any Assistant) async throws -> String {
        var text = ""
        let request = AssistantRequest(id: 0, messages: [ChatMessage(role: .user, content: prompt)], question: nil)
        for try await chunk in assistant.stream(request) {
            if case .text(let t) = chunk { text += t }
        }
        return text
    }

    private func withRetries<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        var attempt = 1
        while true {
            do { return try await body() } catch {
                let e = error as? AssistantError ?? .dropped("unexpected failure")
                guard let delay = retry.delay(after: e, attempt: attempt), !Task.isCancelled else { throw e }
                try? await Task.sleep(nanoseconds: UInt64(max(0, delay) * 1e9))
                attempt += 1
            }
        }
    }
}
