import Foundation
import OversightCore

/// How `baseline --judge` runs the protocols: the study's draws and block settings.
public struct JudgeSettings: Sendable, Equatable {
    /// The study seed: the shown options and the roles are drawn as for a participant named
    /// `participant`.
    public var seed: UInt64 = 0
    public var participant = "model-judge"
    public var consultancy = ProtocolSettings(options: 4, maxChars: 1500)
    public var debate = ProtocolSettings(options: 2, maxChars: 750)
    public var instructions = RoleInstructions()
    /// Rounds of speeches before the judge decides; nil: each block's `min_rounds`.
    public var rounds: Int?

    public init() {}

    func settings(_ condition: Condition) -> ProtocolSettings { condition == .debate ? debate : consultancy }
}

/// The model as judge of a consultancy or debate: model consultants or debaters speak for a
/// number of rounds (both debaters at once), then the model, as judge, states a probability
/// for each shown option. The answer is the option it gives the highest probability; a reply
/// without a readable distribution, or with a tie at the top, counts as wrong.
struct ProtocolJudge {
    let runner: BaselineRunner

    func run(_ question: Question, condition: Condition) async throws -> BaselineResult {
        let j = runner.judging
        let settings = j.settings(condition)
        let start = DispatchTime.now().uptimeNanoseconds
        let draw = ProtocolDraw.draw(condition: condition, settings: settings, question: question, seed: j.seed,
                                     participant: j.participant)
        let passage = question.passage.map { NormalizedPassage($0.text) }
        let rounds = max(1, min(settings.maxRounds, j.rounds ?? settings.minRounds))
        var transcript = ProtocolTranscript()
        var heard: [[(role: ProtocolRole, speech: CheckedSpeech)]] = []
        var speeches: [JudgedSpeech] = []
        for round in 1...rounds {
            transcript.rounds.append(ProtocolTranscript.Round())
            // Every role of the round speaks at once; the judge hears them together.
            let said = try await withThrowingTaskGroup(of: (Int, String).self) { group in
                for (k, role) in condition.roles.enumerated() {
                    let messages = ProtocolPrompt.speechMessages(
                        role: role, round: round, question: question, shown: draw.optionsShown, roles: draw.roles,
                        passage: question.passage?.text, settings: settings, instructions: j.instructions,
                        transcript: transcript)
                    group.addTask { (k, try await runner.complete(messages)) }
                }
                var out = [String](repeating: "", count: condition.roles.count)
                for try await (k, text) in group { out[k] = text }
                return out
            }
            var checked: [(role: ProtocolRole, speech: CheckedSpeech)] = []
            for (role, text) in zip(condition.roles, said) {
                let c = QuoteVerifier.check(speech: text, passage: passage, maxChars: settings.maxChars,
                                            maxQuoteChars: settings.maxQuoteChars)
                checked.append((role, c))
                transcript.rounds[round - 1].speeches.append(.init(role: role, text: c.text))
                speeches.append(JudgedSpeech(role: role, round: round, text: c.text, quotes: c.quotes, cut: c.cut))
            }
            heard.append(checked)
        }
        let judge = ProtocolPrompt.judgeMessages(question: question, shown: draw.optionsShown, condition: condition,
                                                 instructions: j.instructions, rounds: heard)
        let reply = try await runner.complete(judge)
        var probabilities: [Double]?
        if let shares = ProtocolPrompt.parseJudgment(reply, optionCount: draw.optionsShown.count) {
            var p = [Double](repeating: 0, count: 4)
            for (k, share) in JudgmentScale.bounded(shares).enumerated() { p[draw.optionsShown[k]] = share }
            probabilities = p
        }
        let predicted = probabilities.flatMap(JudgmentScale.answer)
        let ms = Int64((DispatchTime.now().uptimeNanoseconds - start) / 1_000_000)
        var r = BaselineResult(convention: "judge-\(condition.rawValue)", shots: 0, provider: runner.provider,
                               model: runner.model, questionID: question.id, task: question.task,
                               subject: question.subject, gold: question.gold, predicted: predicted,
                               letterProbabilities: nil, correct: predicted == question.gold, latencyMs: ms, reply: reply)
        r.probabilities = probabilities
        r.optionsShown = draw.optionsShown
        r.roles = draw.roles
        r.rounds = rounds
        r.speeches = speeches
        return r
    }
}
