import Foundation

extension SimulatedAssistant {
    /// Share of a dishonest role's quotes that are misquoted or invented (the rest are real
    /// sentences picked to suit its side).
    public static let misquoteRate = 0.5

    /// The question as a consultant or debater may know it: everything but the gold, which the
    /// simulated roles never read (they know only their assignment).
    struct SpeechContext {
        var id: String
        var text: String
        var options: [String]
        var passage: String?

        init(question: Question) {
            id = question.id
            text = question.text
            options = question.options
            passage = question.passage?.text
        }
    }

    /// A speech for a consultant or debater: it names the option it defends, answers the judge's
    /// remark, and backs its case with a quote. An honest role quotes a real sentence of the
    /// passage; a dishonest one, at `misquoteRate`, misquotes a real sentence (one word changed)
    /// or invents a quote from its option's words, and otherwise quotes a real sentence that
    /// suits its side. Seeded by the seed, the question, the role and the round.
    func protocolSpeech(_ q: SpeechContext, _ speech: ProtocolSpeechRequest) -> String {
        var rng = SeededRandom(seed: seed, label: "simulated-speech/\(q.id)/\(speech.role.rawValue)/\(speech.round)")
        let position = speech.shown.firstIndex(of: speech.option) ?? 0
        let label = ProtocolDraw.label(position: position)
        let optionText = q.options.indices.contains(speech.option) ? q.options[speech.option] : ""
        var parts: [String] = []
        let remark = speech.remark.trimmingCharacters(in: .whitespacesAndNewlines)
        if speech.round == 1 {
            let open = ["The answer is (\(label)): \(Self.sentence(optionText))",
                        "I argue for (\(label)): \(Self.sentence(optionText))",
                        "(\(label)) is correct: \(Self.sentence(optionText))"]
            parts.append(open[rng.below(open.count)])
        } else if !remark.isEmpty {
            parts.append("To your point, judge: the text still supports (\(label)).")
        } else {
            parts.append("Nothing said so far changes it: the answer is (\(label)).")
        }
        let budget = min(speech.settings.maxQuoteChars, 200)
        if budget >= 20, let quote = quote(for: q, speech: speech, optionText: optionText, budget: budget, rng: &rng) {
            let lead = ["The story says <quote>\(quote)</quote>.", "Look at this line: <quote>\(quote)</quote>.",
                        "As the text puts it, <quote>\(quote)</quote>."]
            parts.append(lead[rng.below(lead.count)])
        }
        if speech.role != .consultant, let other = speech.shown.first(where: { $0 != speech.option }),
           let otherPosition = speech.shown.firstIndex(of: other) {
            let rebut = ["My opponent's answer (\(ProtocolDraw.label(position: otherPosition))) does not survive a careful reading.",
                         "Nothing in the text supports (\(ProtocolDraw.label(position: otherPosition))) as well."]
            parts.append(rebut[rng.below(rebut.count)])
        }
        let close = ["Weigh the evidence and you will reach (\(label)).", "That is why (\(label)) is the right answer.",
                     "Every detail points the same way: (\(label))."]
        parts.append(close[rng.below(close.count)])
        var text = parts.joined(separator: " ")
        if text.count > speech.settings.maxChars {
            // Speak within the limit when the option's own text makes the opening long.
            text = parts.dropFirst().joined(separator: " ")
        }
        return text
    }

    /// The quote a role uses in this round, at most `budget` characters; nil when it has nothing
    /// to quote (no passage and no invention).
    private func quote(for q: SpeechContext, speech: ProtocolSpeechRequest, optionText: String, budget: Int,
                       rng: inout SeededRandom) -> String? {
        let lie = !speech.honest && rng.unit() < Self.misquoteRate
        let invent = lie && (q.passage == nil || rng.unit() < 0.5)
        if invent {
            let words = optionText.split(separator: " ").prefix(12).joined(separator: " ")
            let made = ["it was plain that \(words)", "everyone knew that \(words)", "\(words), as always"]
            return Self.clip(made[rng.below(made.count)], to: budget)
        }
        guard let passage = q.passage else { return nil }
        let ranked = Self.rankedSentences(in: passage, for: optionText + " " + q.text)
        guard !ranked.isEmpty else { return nil }
        let sentence = ranked[(speech.round - 1) % min(3, ranked.count)]
        let real = Self.clip(sentence, to: budget)
        return lie ? Self.misquote(real, rng: &rng) : real
    }

    /// Sentences of the passage, the ones sharing most (rarer) content words with `target` first.
    static func rankedSentences(in text: String, for target: String) -> [String] {
        let all = sentences(in: text).filter { s in
            s.count <= 400 && !s.contains { $0 == "\"" || $0 == "\u{201C}" || $0 == "\u{201D}" }
        }
        let sets = all.map(contentWords)
        var frequency: [String: Int] = [:]
        for set in sets { for w in set { frequency[w, default: 0] += 1 } }
        let targetWords = contentWords(target)
        let scored = zip(all, sets).enumerated().map { k, pair in
            (k, pair.0, pair.1.intersection(targetWords).reduce(0.0) { $0 + 1.0 / Double(frequency[$1] ?? 1) })
        }
        return scored.sorted { $0.2 != $1.2 ? $0.2 > $1.2 : $0.0 < $1.0 }.map(\.1)
    }

    /// `s` cut at a word boundary to at most `limit` characters.
    static func clip(_ s: String, to limit: Int) -> String {
        guard s.count > limit else { return s }
        let head = s.prefix(limit)
        guard let space = head.lastIndex(of: " ") else { return String(head) }
        return String(head[..<space])
    }

    /// A real sentence with one word changed, so it no longer matches the passage: a negation
    /// inserted after its first word, or its longest word replaced.
    static func misquote(_ s: String, rng: inout SeededRandom) -> String {
        var words = s.split(separator: " ").map(String.init)
        guard words.count >= 2 else { return "never " + s }
        if rng.unit() < 0.5 {
            words.insert("never", at: 1)
        } else if let longest = words.indices.max(by: { words[$0].count < words[$1].count }) {
            words[longest] = ["certainly", "secretly", "openly", "gladly"][rng.below(4)]
        }
        return words.joined(separator: " ")
    }
}
