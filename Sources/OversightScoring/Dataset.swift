import Foundation
import OversightCore

/// One scored session log (one participant).
public struct SessionInfo: Sendable, Equatable {
    public var path: String
    public var participant: String
    public var sessionID: String
    public var studyHash: String
    /// The session reached `session_end`.
    public var completed: Bool
    /// Questions planned over all blocks at session start.
    public var planned: Int
    public var scale: [Int]
    public var bytes: Int
    /// The assistant of the session's assisted blocks.
    public var assistant: AssistantName = AssistantName(provider: "", model: nil)
    /// Played by `oversight simulate` (`"simulated": true` in `session_start`).
    public var simulated = false
    /// Counterbalanced studies: the participant's arm (1-based), from `session_start`.
    public var arm: Int? = nil
}

/// Which assistant a session worked with, or which model a baseline ran: a provider
/// (`local`, `openai`, `anthropic`, `simulated`) and a model name when there is one.
public struct AssistantName: Sendable, Hashable, Comparable {
    public var provider: String
    public var model: String?

    public init(provider: String, model: String?) {
        self.provider = provider
        self.model = model
    }

    /// `local / qwen2.5-coder-1.5b`, `simulated`, or `unknown` for a log that names none.
    public var label: String {
        let p = provider.isEmpty ? "unknown" : provider
        guard let model, !model.isEmpty else { return p }
        return "\(p) / \(model)"
    }

    public static func < (a: AssistantName, b: AssistantName) -> Bool {
        a.provider != b.provider ? a.provider < b.provider : (a.model ?? "") < (b.model ?? "")
    }
}

/// One submitted answer, compact (indices into the dataset's tables).
public struct Answer: Sendable, Equatable {
    public var participant: Int32
    public var session: Int32
    public var item: Int32
    public var subject: Int32
    public var block: Int32
    public var index: Int32
    public var task: TaskKind
    public var condition: Condition
    /// Chosen option 0...3, -1 when none.
    public var choice: Int8
    /// Confidence in percent, -1 when none.
    public var confidence: Int16
    public var gold: Int8
    public var correct: Bool
    public var timedOut: Bool
    /// Consultancy and debate answers: index of their `ProtocolAnswer` in `Dataset.protocols`;
    /// -1 for the others. (Declared here, it fills padding: an answer stays 72 bytes.)
    public var protocolIndex: Int32 = -1
    public var elapsedMs: Int64
    public var turns: Int32
    public var resets: Int32
    public var charsSent: Int32
    /// Range of this answer's times to first token in `Dataset.ttftMs`.
    public var ttftStart: Int32
    public var ttftCount: Int32
    /// Line of the `submitted` record in its log.
    public var line: Int32
    /// The initial answer of a two-stage question (`initial_submitted`): option 0...3 and
    /// confidence in percent; -1 when there is none.
    public var initialChoice: Int8 = -1
    public var initialConfidence: Int16 = -1
    /// The assistant's stance on this question from the stance files: 0...3, `Answer.stanceNone`
    /// (it endorsed no option) or `Answer.stanceUnknown` (no stance record).
    public var stance: Int8 = Answer.stanceUnknown

    public static let stanceNone: Int8 = -1
    public static let stanceUnknown: Int8 = -2

    /// Whether the answer has a choice and a confidence (it takes part in calibration).
    public var hasConfidence: Bool { choice >= 0 && confidence >= 0 }
}

/// The model alone on one question (one line of a baseline file).
public struct ModelAnswer: Sendable, Equatable {
    public var item: Int32
    public var correct: Bool
    /// Probability the model gave its predicted option (normalised over A-D), when reported.
    public var confidence: Double?
    /// Model-judge runs (`judge-consultancy`, `judge-debate`): the gold, and the roles, rounds,
    /// quotes and probabilities of the judged question.
    public var gold: Int8 = 0
    public var protocolData: ProtocolAnswer? = nil
}

/// The answers of one baseline run: one file, one convention, one number of shots, one model.
public struct ModelRun: Sendable, Equatable {
    public var path: String
    public var convention: String
    public var shots: Int
    public var provider: String
    public var model: String
    public var task: TaskKind
    public var answers: [ModelAnswer]

    /// The protocol a model-judge run judged (`judge-debate`: debate); nil for model-alone runs.
    public var judgedCondition: Condition? {
        convention.hasPrefix("judge-") ? Condition(rawValue: String(convention.dropFirst("judge-".count))) : nil
    }

    /// Short label, e.g. `model likelihood 0-shot (local / qwen2.5-7b)` or
    /// `model judge, debate (local / m)`.
    public var label: String {
        if let c = judgedCondition {
            return "model judge, \(c.rawValue) (\(AssistantName(provider: provider, model: model).label))"
        }
        return "model \(convention) \(shots)-shot (\(AssistantName(provider: provider, model: model).label))"
    }
}

/// Everything scoring works on: the sound answers of the kept sessions, baseline runs, and
/// what was skipped and why.
public struct Dataset: Sendable {
    public var studyID: String
    public var studyHash: String
    /// Confidence scale (percent) of the scored sessions.
    public var scale: [Int]
    public var sessions: [SessionInfo]
    /// Participant ids, sorted.
    public var participants: [String]
    /// Question ids and their tasks, sorted by task then id.
    public var items: [String]
    public var itemTasks: [TaskKind]
    public var subjects: [String]
    /// Sorted by participant, session, block, index.
    public var answers: [Answer]
    public var ttftMs: [Int32]
    public var models: [ModelRun]
    /// Participants dropped by `--exclude`.
    public var excluded: [String]
    public var warnings: [ScoreWarning]
    /// Log files read, and their total size.
    public var filesRead: Int
    public var bytesRead: Int
    /// Scored logs with a broken hash link whose records past it were kept (`--keep-damaged`).
    public var keptDamaged: [String] = []
    /// Sessions of the study left out because they were (or were not) simulated, see
    /// `ParticipantKinds`.
    public var leftOutSimulated = 0
    public var leftOutReal = 0
    /// What consultancy and debate answers add (see `Answer.protocolIndex`).
    public var protocols: [ProtocolAnswer] = []
}

/// Which sessions are scored: real participants, simulated ones (`oversight simulate`), or
/// both. Simulated sessions are never mixed with real ones unless asked (`.all`).
public enum ParticipantKinds: Sendable, Equatable {
    case real
    case simulated
    case all

    /// Whether a session with this `simulated` flag is scored.
    public func admits(simulated: Bool) -> Bool {
        switch self {
        case .real: !simulated
        case .simulated: simulated
        case .all: true
        }
    }
}
