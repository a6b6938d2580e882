import Foundation

/// One line of a `baseline` results file (JSONL): the model alone on one question under one
/// scoring convention. The scorer reads these as the "model" rows.
public struct BaselineResult: Codable, Sendable, Equatable {
    /// `likelihood` (highest-probability letter) or `generate` (letter parsed from a reply).
    public var convention: String
    /// Number of worked examples prepended (0 = zero-shot).
    public var shots: Int
    public var provider: String
    public var model: String
    public var questionID: String
    public var task: TaskKind
    public var subject: String
    public var gold: Int
    /// Predicted option 0...3; nil when the reply could not be parsed (counted wrong).
    public var predicted: Int?
    /// Probability of each letter A-D when the server reported them (likelihood convention).
    public var letterProbabilities: [Double]?
    public var correct: Bool
    public var latencyMs: Int64
    /// The raw reply text (generate convention; the judge's reply for a model judge), for audit.
    public var reply: String?
    /// Model judge (`judge-consultancy`, `judge-debate`): the judge's final probabilities, four
    /// numbers in original option order (0 for options not shown); nil when its reply held none.
    public var probabilities: [Double]?
    /// Model judge: the shown options (original indices, in the order the prompts listed them),
    /// the roles' assignments, the rounds heard and the speeches.
    public var optionsShown: [Int]?
    public var roles: [RoleAssignment]?
    public var rounds: Int?
    public var speeches: [JudgedSpeech]?

    public init(convention: String, shots: Int, provider: String, model: String, questionID: String,
                task: TaskKind, subject: String, gold: Int, predicted: Int?,
                letterProbabilities: [Double]?, correct: Bool, latencyMs: Int64, reply: String?) {
        self.convention = convention
        self.shots = shots
        self.provider = provider
        self.model = model
        self.questionID = questionID
        self.task = task
        self.subject = subject
        self.gold = gold
        self.predicted = predicted
        self.letterProbabilities = letterProbabilities
        self.correct = correct
        self.latencyMs = latencyMs
        self.reply = reply
    }

    enum CodingKeys: String, CodingKey {
        case convention, shots, provider, model, questionID = "question_id", task, subject, gold
        case predicted, letterProbabilities = "letter_probabilities", correct
        case latencyMs = "latency_ms", reply
        case probabilities, optionsShown = "options_shown", roles, rounds, speeches
    }
}

/// One speech a model judge heard (in a `baseline --judge` result): as shown to the judge.
public struct JudgedSpeech: Codable, Sendable, Equatable {
    public var role: ProtocolRole
    public var round: Int
    /// The speech cut at the block's `max_chars`.
    public var text: String
    public var quotes: [QuoteRecord]
    public var cut: Bool

    public init(role: ProtocolRole, round: Int, text: String, quotes: [QuoteRecord], cut: Bool) {
        self.role = role
        self.round = round
        self.text = text
        self.quotes = quotes
        self.cut = cut
    }
}
