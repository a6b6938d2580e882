import Foundation

/// The assistant settings of a study (`[assistant]` table). Providers other than `simulated`
/// are implemented by the OversightAssistants library.
public struct AssistantConfig: Sendable, Equatable {
    public var provider: Provider = .local
    public var model: String?
    public var baseURL: String?
    /// Name of the environment variable that holds the API key (never the key itself).
    public var apiKeyEnv: String?
    public var temperature: Double?
    public var maxTokens: Int?
    public var systemPrompt: String?
    public var timeoutSeconds: Double = 60
    /// Send the question and options in the first turn (the original study did not).
    public var sendQuestion: Bool = false
    /// Simulated assistant: probability that it settles on the right option.
    public var accuracy: Double = 0.6
    /// Simulated assistant: delay between streamed words, in milliseconds.
    public var wordDelayMs: Int = 30

    public init() {}

    /// The provider names a study may give, in the order error messages list them.
    public static var providers: [String] { Provider.allCases.map(\.rawValue) }
}

/// Who answers the participant's chat (`[assistant] provider`).
public enum Provider: String, Sendable, CaseIterable, CustomStringConvertible {
    /// A llama.cpp server started by the app, with a model from `.venv/models`.
    case local
    /// The built-in simulated assistant (no model; for demos, pilots and tests).
    case simulated
    /// An OpenAI-compatible server (`base_url`), hosted or shared (`oversight model serve`).
    case openai
    /// Anthropic's Messages API.
    case anthropic

    public var description: String { rawValue }
}

/// One block of a study: a condition and the questions drawn for it.
public struct StudyBlock: Sendable, Equatable {
    public var condition: Condition
    /// Bank path as written in the study file.
    public var bank: String
    /// Bank path resolved against the study file's folder.
    public var bankPath: String
    public var questions: Int
    public var timeLimitSeconds: Int?
    public var hardOnly: Bool = false
    public var subjects: [String] = []
    /// Restrict to one split (`dev`, `val`, `test`); nil = any.
    public var split: String?
    /// `initial_answer = true` (assisted blocks): each question first takes an answer
    /// given without the assistant, then opens the chat for the final answer.
    public var initialAnswer: Bool = false
    /// Line of the `[[blocks]]` header in the study file.
    public var line: Int
    /// Consultancy and debate blocks: their settings (defaults filled in); nil for the others.
    public var protocolSettings: ProtocolSettings?

    public init(condition: Condition, bank: String, bankPath: String, questions: Int,
                timeLimitSeconds: Int? = nil, hardOnly: Bool = false, subjects: [String] = [],
                split: String? = nil, line: Int) {
        self.condition = condition
        self.bank = bank
        self.bankPath = bankPath
        self.questions = questions
        self.timeLimitSeconds = timeLimitSeconds
        self.hardOnly = hardOnly
        self.subjects = subjects
        self.split = split
        self.line = line
    }
}

/// A study as described by its TOML file.
public struct Study: Sendable, Equatable {
    public var id: String
    public var seed: UInt64
    public var feedback: Bool
    public var confidence: [Int]
    /// Instructions text (read from the file named in the study), if any.
    public var instructions: String?
    public var blocks: [StudyBlock]
    public var assistant: AssistantConfig
    /// The study file's path, as given.
    public var path: String
    /// SHA-256 (hex) of the study file's bytes.
    public var hash: String
    /// Name of the environment variable holding the study secret that keys completion codes
    /// (`[study] secret_env`); never the secret itself. Nil: codes are unkeyed.
    public var secretEnv: String?
    /// Bonus paid per correct answer (`[study] bonus_per_correct`, a plain number in the
    /// study's currency); 0 when absent. Used by `oversight score --payments`.
    public var bonusPerCorrect: Double = 0
    /// What the id screen calls the participant id (`[study] participant_label`, e.g.
    /// "Prolific ID"); nil: "Participant ID".
    public var participantLabel: String?
    /// A regular expression a participant id must match (`[study] participant_pattern`), on top
    /// of the id rules; nil: none.
    public var participantPattern: String?
    /// `[study] counterbalance`: participants get arms that rotate the question sets among
    /// interchangeable blocks and the block order (see `Counterbalance`).
    public var counterbalance: Bool = false
    /// The participant's arm once the study is arranged for one (`ResolvedStudy.arranged`);
    /// nil for the study as written.
    public var arm: StudyArm?
    /// What consultants, debaters and the model judge are told (`[roles]`); defaults otherwise.
    public var roleInstructions = RoleInstructions()

    public static let defaultConfidence = [25, 42, 60, 80, 100]

    public init(id: String, seed: UInt64, feedback: Bool, confidence: [Int], instructions: String?,
                blocks: [StudyBlock], assistant: AssistantConfig, path: String, hash: String) {
        self.id = id
        self.seed = seed
        self.feedback = feedback
        self.confidence = confidence
        self.instructions = instructions
        self.blocks = blocks
        self.assistant = assistant
        self.path = path
        self.hash = hash
    }

    /// Label of a confidence value: "Certain (100%)" for 100, "60%" otherwise.
    public static func confidenceLabel(_ value: Int) -> String {
        value == 100 ? "Certain (100%)" : "\(value)%"
    }
}

/// A study with its questions drawn: what every participant of the study sees, in order.
public struct ResolvedStudy: Sendable {
    public var study: Study
    /// Questions per block, in presentation order.
    public var blocks: [[Question]]

    public init(study: Study, blocks: [[Question]]) {
        self.study = study
        self.blocks = blocks
    }

    /// SHA-256 of the selected ids in block order, one per line.
    public var questionsHash: String {
        SHA256.hex(blocks.flatMap { $0.map(\.id) }.joined(separator: "\n"))
    }

    public var plans: [BlockPlan] {
        zip(study.blocks, blocks).map { b, qs in
            BlockPlan(condition: b.condition, questionIDs: qs.map(\.id), timeLimitSeconds: b.timeLimitSeconds,
                      initialAnswer: b.initialAnswer ? true : nil)
        }
    }

    /// Look up a question by id.
    public func question(id: String) -> Question? {
        for b in blocks { if let q = b.first(where: { $0.id == id }) { return q } }
        return nil
    }

    /// The question at a position, if it exists.
    public func question(block: Int, index: Int) -> Question? {
        guard blocks.indices.contains(block), blocks[block].indices.contains(index) else { return nil }
        return blocks[block][index]
    }

    /// Condition of a block (unaided when the block does not exist).
    public func condition(block: Int) -> Condition {
        study.blocks.indices.contains(block) ? study.blocks[block].condition : .unaided
    }

    /// Time limit of a block's questions in ms, nil when untimed.
    public func timeLimitMs(block: Int) -> Int64? {
        guard study.blocks.indices.contains(block), let s = study.blocks[block].timeLimitSeconds, s > 0 else { return nil }
        return Int64(s) * 1000
    }

    /// Whether a block's questions first take an initial answer without the assistant.
    public func initialAnswer(block: Int) -> Bool {
        study.blocks.indices.contains(block) && study.blocks[block].initialAnswer
            && study.blocks[block].condition == .assisted
    }

    /// The position after (block, index), skipping empty blocks; nil at the end.
    public func position(after block: Int, _ index: Int) -> (block: Int, index: Int)? {
        if blocks.indices.contains(block), index + 1 < blocks[block].count { return (block, index + 1) }
        var b = block + 1
        while b < blocks.count {
            if !blocks[b].isEmpty { return (b, 0) }
            b += 1
        }
        return nil
    }

    /// The first position of the session, nil when there are no questions.
    public var firstPosition: (block: Int, index: Int)? { position(after: -1, 0) }
}

/// Identifiers used in paths (study ids, participant ids): `[A-Za-z0-9_-]{1,64}`.
public enum Identifier {
    public static func isValid(_ s: String) -> Bool {
        guard (1...64).contains(s.utf8.count) else { return false }
        return s.utf8.allSatisfy { c in
            (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A)
                || c == 0x5F || c == 0x2D
        }
    }
}
