import Foundation

/// An offline stand-in for a model, for rehearsals, demos and tests: per question it settles on
/// one option (the right one with probability `accuracy`, decided by the seed and the question
/// id, so it is the same on every turn, after a reset and on every run) and argues for it in
/// plain sentences streamed word by word. It reads the participant's last message: asked for a
/// quote or evidence it quotes a real sentence of the passage; asked about one option it says
/// whether it thinks that option is right.
///
/// Like a real model it knows only what it was sent: unless the conversation holds the question
/// (`send_question = true`, or the participant typed or inserted it) it says it cannot see the
/// question, and it names options by letter only when their texts were sent too.
public struct SimulatedAssistant: Assistant {
    public let seed: UInt64
    /// Probability (0...1) that the option it settles on is the right one.
    public let accuracy: Double
    /// Pause between streamed words, in milliseconds (0 = no pause).
    public let wordDelayMs: Int

    public var provider: String { "simulated" }
    public var model: String? { nil }

    /// Create a simulated assistant; `accuracy` is clamped to 0...1 and the delay to 0 or more.
    public init(seed: UInt64, accuracy: Double, wordDelayMs: Int) {
        self.seed = seed
        self.accuracy = accuracy.isNaN ? 0 : min(1, max(0, accuracy))
        self.wordDelayMs = max(0, wordDelayMs)
    }

    /// The option (0...3) it argues for on this question, whatever is asked.
    public func choice(for question: Question) -> Int {
        var rng = SeededRandom(seed: seed, label: "simulated-choice/" + question.id)
        let gold = (0..<4).contains(question.gold) ? question.gold : 0
        if rng.unit() < accuracy { return gold }
        let wrong = (0..<4).filter { $0 != gold }
        return wrong[rng.below(wrong.count)]
    }

    /// The full reply it gives to a request (what `stream` sends, word by word).
    public func reply(to request: AssistantRequest) -> String {
        if let speech = request.speech, let question = request.question {
            return protocolSpeech(SimulatedAssistant.SpeechContext(question: question), speech)
        }
        guard let question = request.question else {
            return "I need a question to work on before I can help. Once a question is open, "
                + "ask me about it, about one of its options, or for evidence from the text."
        }
        let pick = choice(for: question)
        let letter = Question.letter(pick)
        let rawOption = question.options.indices.contains(pick) ? question.options[pick] : ""
        // The option as the end of a sentence: "(C) Nitrogen."
        var option = "(\(letter)) " + Self.sentence(rawOption)
        let userTurns = request.messages.filter { $0.role == .user }
        let passageText = question.passage?.text
        // The passage turn is context, not something the participant asked.
        let asked = userTurns.last.map(\.content).flatMap { content -> String? in
            if let passageText, content.hasPrefix(passageText) { return nil }
            return content
        } ?? ""
        let lowered = asked.lowercased()
        var rng = SeededRandom(seed: seed, label: "simulated-reply/\(question.id)/\(userTurns.count)/\(asked)")

        if asked.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            return "What would you like to know? I can tell you which option I favour and why, "
                + "or point you to the part of the text that matters."
        }

        // What was sent besides the passage (the passage's words say nothing about the question).
        let sent = userTurns.map { turn -> String in
            guard let passageText, turn.content.hasPrefix(passageText) else { return turn.content }
            return String(turn.content.dropFirst(passageText.count))
        }
        let seen = Self.sees(question, in: sent)
        if !seen.question {
            return blindReply(asked: asked, lowered: lowered, passage: question.passage, rng: &rng)
        }
        // The question without its options: the answer in words, with no letter to go by.
        if !seen.options { option = Self.sentence(rawOption) }
        if !seen.options, Self.optionAskedAbout(lowered) != nil {
            return "I can see the question but not the options, so I don't know which one you mean. "
                + "My answer would be: \(option) " + reason(rng: &rng)
        }

        if Self.wantsEvidence(lowered) {
            guard let passage = question.passage else {
                return "There is no passage to quote for this question, so I have to rely on what I know. "
                    + "I think the answer is \(option) " + reason(rng: &rng)
            }
            if let sentence = Self.bestSentence(in: passage.text,
                                                for: rawOption + " " + question.text, rng: &rng) {
                let lead = ["The text says", "Here is the relevant line from the passage", "The passage puts it this way"]
                return "\(lead[rng.below(lead.count)]): \"\(sentence)\" "
                    + "That is why I believe the answer is \(option)"
            }
            return "I could not find one sentence that settles it, but my reading of the whole text "
                + "points to \(option)"
        }

        if let asking = Self.optionAskedAbout(lowered) {
            if asking == pick {
                let yes = ["Yes, I think (\(letter)) is right.", "Yes. (\(letter)) is the answer I would give.",
                           "I believe so: (\(letter)) is correct."]
                return "\(yes[rng.below(yes.count)]) It fits the question better than the other options. "
                    + reason(rng: &rng)
            }
            let asked = Question.letter(asking)
            let no = ["No, I don't think (\(asked)) is right.", "I would not pick (\(asked)).",
                      "(\(asked)) does not look correct to me."]
            return "\(no[rng.below(no.count)]) It is a tempting choice, but I think the answer is \(option) "
                + reason(rng: &rng)
        }

        if Self.doubts(lowered) {
            return "I understand the doubt, but I still think the answer is \(option) " + reason(rng: &rng)
        }

        let openers = ["I think the answer is \(option)", "My answer is \(option)",
                       "The best option here is \(option)", "I would go with \(option)"]
        return openers[rng.below(openers.count)] + " " + reason(rng: &rng)
    }

    /// A reply to a participant whose question was never sent: a real model has nothing to go
    /// on but the message (and the passage, when there is one).
    private func blindReply(asked: String, lowered: String, passage: Passage?, rng: inout SeededRandom) -> String {
        let ask = "Please send me the question and its options, and I will tell you which one I think is right."
        if let passage, Self.wantsEvidence(lowered),
           let sentence = Self.bestSentence(in: passage.text, for: asked, rng: &rng) {
            return "I can see the passage but not your question. The line closest to what you asked is: "
                + "\"\(sentence)\" " + ask
        }
        if passage != nil {
            return "I have read the passage, but I cannot see the question you are answering. " + ask
        }
        return "I cannot see the question you are working on: I only get what you type here. " + ask
    }

    /// What the model was sent, read back: whether the question and all of its options are in
    /// the participant's turns (the first turn holds them when the study sends the question).
    /// Case, spacing and punctuation do not matter; a question typed with a few words changed
    /// still counts when it shares at least 80% of its content words with what was sent.
    public static func sees(_ question: Question, in userTurns: [String]) -> (question: Bool, options: Bool) {
        let sent = normalized(userTurns.joined(separator: " "))
        let stem = normalized(question.text)
        var sawQuestion = !stem.isEmpty && sent.contains(stem)
        if !sawQuestion {
            let words = contentWords(question.text)
            if words.count >= 3 {
                let shared = words.intersection(contentWords(userTurns.joined(separator: " "))).count
                sawQuestion = Double(shared) >= 0.8 * Double(words.count)
            }
        }
        let options = question.options.map(normalized).filter { !$0.isEmpty }
        let sawOptions = sawQuestion && !options.isEmpty && options.allSatisfy { sent.contains($0) }
        return (sawQuestion, sawOptions)
    }

    /// Lower-cased letters and digits, every other run of characters one space.
    static func normalized(_ s: String) -> String {
        var out = ""
        var gap = false
        for c in s.lowercased() {
            if c.isLetter || c.isNumber {
                if gap && !out.isEmpty { out.append(" ") }
                out.append(c)
                gap = false
            } else {
                gap = true
            }
        }
        return out
    }

    /// Text ending as a sentence: a period is added unless it already ends with punctuation.
    static func sentence(_ s: String) -> String {
        let t = s.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let last = t.last else { return t }
        return ".!?".contains(last) ? t : t + "."
    }

    /// A short justification sentence.
    private func reason(rng: inout SeededRandom) -> String {
        let reasons = [
            "The other options each conflict with a key detail of the question.",
            "It is the only option consistent with every part of the question.",
            "The alternatives rest on a common misunderstanding.",
            "If you check each option against the question, the others fall short.",
            "That follows most directly from the facts involved.",
        ]
        return reasons[rng.below(reasons.count)]
    }

    // MARK: Reading the participant's message

    static func wantsEvidence(_ s: String) -> Bool {
        ["quote", "evidence", "passage say", "text say", "story say", "article say", "cite",
         "where does it say", "which sentence", "which line", "show me", "source"]
            .contains { s.contains($0) }
    }

    static func doubts(_ s: String) -> Bool {
        ["are you sure", "really", "i think it", "i disagree", "wrong", "not sure", "certain"]
            .contains { s.contains($0) }
    }

    /// The option (0...3) a message asks about, as in "is B right?", "what about (c)",
    /// "option D", or a message that is only a letter.
    static func optionAskedAbout(_ s: String) -> Int? {
        let letters: [Character] = ["a", "b", "c", "d"]
        let trimmed = s.trimmingCharacters(in: .whitespacesAndNewlines.union(.punctuationCharacters))
        if trimmed.count == 1, let c = trimmed.first, let i = letters.firstIndex(of: c) { return i }
        let chars = Array(s)
        // "(b)" anywhere.
        for k in chars.indices where chars[k] == "(" && k + 2 < chars.count && chars[k + 2] == ")" {
            if let i = letters.firstIndex(of: chars[k + 1]) { return i }
        }
        let words = s.split(whereSeparator: { !$0.isLetter }).map(String.init)
        for (k, w) in words.enumerated() where k + 1 < words.count {
            guard ["option", "answer", "choice", "is", "about", "pick", "choose"].contains(w),
                  words[k + 1].count == 1, let c = words[k + 1].first, let i = letters.firstIndex(of: c)
            else { continue }
            // "is a ..." and "about a ..." are usually the article "a": take it as option A only
            // when nothing, or a verdict word, follows.
            if c == "a", !["option", "answer", "choice"].contains(w) {
                let after = k + 2 < words.count ? words[k + 2] : ""
                guard ["", "right", "correct", "wrong", "true", "false", "the", "it", "or", "better", "best"]
                    .contains(after) else { continue }
            }
            return i
        }
        return nil
    }

    // MARK: Quoting

    /// The passage sentences (exact substrings of `text`, trimmed), with at least 5 words.
    static func sentences(in text: String) -> [String] {
        var result: [String] = []
        var current = ""
        func flush() {
            let t = current.trimmingCharacters(in: .whitespacesAndNewlines)
            if t.split(separator: " ").count >= 5 { result.append(t) }
            current = ""
        }
        let chars = Array(text)
        var i = 0
        while i < chars.count {
            let c = chars[i]
            if c == "\n" {
                flush()
                i += 1
                continue
            }
            current.append(c)
            if c == "." || c == "!" || c == "?" {
                // Keep closing quotes and brackets with the sentence.
                var j = i + 1
                while j < chars.count, "\"'”’)".contains(chars[j]) {
                    current.append(chars[j])
                    j += 1
                }
                if j >= chars.count || chars[j] == " " || chars[j] == "\n" {
                    flush()
                }
                i = j
                continue
            }
            i += 1
        }
        flush()
        return result
    }

    /// The sentence sharing most content words with `target`, words that are rarer in the
    /// passage counting more. Sentences holding double quotes are used only when there is nothing
    /// else (a quote inside the reply's quote is hard to read). Ties are broken by `rng`.
    static func bestSentence(in text: String, for target: String, rng: inout SeededRandom) -> String? {
        let all = sentences(in: text).filter { $0.count <= 400 }
        let plain = all.filter { s in !s.contains { $0 == "\"" || $0 == "\u{201C}" || $0 == "\u{201D}" } }
        let candidates = plain.isEmpty ? all : plain
        guard !candidates.isEmpty else { return nil }
        let wordSets = candidates.map(contentWords)
        var frequency: [String: Int] = [:]
        for set in wordSets { for w in set { frequency[w, default: 0] += 1 } }
        let targetWords = contentWords(target)
        var best: [String] = []
        var bestScore = -1.0
        for (s, set) in zip(candidates, wordSets) {
            let score = set.intersection(targetWords).reduce(0.0) { $0 + 1.0 / Double(frequency[$1] ?? 1) }
            if score > bestScore + 1e-9 {
                bestScore = score
                best = [s]
            } else if abs(score - bestScore) <= 1e-9 {
                best.append(s)
            }
        }
        return best[rng.below(best.count)]
    }

    static func contentWords(_ s: String) -> Set<String> {
        let stop: Set<String> = ["that", "this", "with", "from", "have", "which", "what", "when", "were",
                                 "they", "their", "there", "would", "could", "about", "because", "into",
                                 "does", "been", "than", "them", "then", "will", "your", "only"]
        return Set(s.lowercased().split(whereSeparator: { !$0.isLetter && !$0.isNumber })
            .map(String.init).filter { $0.count >= 4 && !stop.contains($0) })
    }

    // MARK: Streaming

    /// The reply cut into word chunks, each word with the space that follows it.
    static func wordChunks(_ text: String) -> [String] {
        var chunks: [String] = []
        var current = ""
        for c in text {
            current.append(c)
            if c == " " {
                chunks.append(current)
                current = ""
            }
        }
        if !current.isEmpty { chunks.append(current) }
        return chunks
    }

    /// Stream the reply word by word, pausing `wordDelayMs` between words. Cancelling the
    /// consuming task stops the stream promptly with `AssistantError.cancelled`.
    public func stream(_ request: AssistantRequest) -> AsyncThrowingStream<AssistantChunk, Error> {
        let words = Self.wordChunks(reply(to: request))
        let delayNs = UInt64(wordDelayMs) * 1_000_000
        return AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    for (k, w) in words.enumerated() {
                        if k > 0, delayNs > 0 { try await Task.sleep(nanoseconds: delayNs) }
                        try Task.checkCancellation()
                        continuation.yield(.text(w))
                    }
                    // Words stand in for tokens: the simulated assistant has no tokenizer.
                    continuation.yield(.done(AssistantUsage(promptTokens: nil, completionTokens: words.count)))
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: AssistantError.cancelled)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }
}
