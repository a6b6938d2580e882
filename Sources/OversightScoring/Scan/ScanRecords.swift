import Foundation
import OversightCore

/// What the `session_start` record of a log says, as far as scoring needs it.
struct SessionStartInfo: Sendable {
    var studyID: String
    var studyHash: String
    var participant: String
    var sessionID: String
    var scale: [Int]
    /// Number of questions planned over all blocks.
    var planned: Int
    var line: Int
    /// The assistant of the session's assisted blocks (`assistant_provider`, `assistant_model`).
    var assistant = AssistantName(provider: "", model: nil)
    /// `"simulated": true`: written by `oversight simulate`, not by a person.
    var simulated = false
    /// Counterbalanced studies: the participant's arm (1-based).
    var arm: Int?
}

/// One submitted answer as read from a log (strings still local to the file).
struct RawAnswer: Sendable {
    var questionID: String
    var subject: String
    var block: Int
    var index: Int
    var task: TaskKind
    var condition: Condition
    var choice: Int?
    var confidence: Int?
    var gold: Int
    var correct: Bool
    var timedOut: Bool
    var elapsedMs: Int64
    var turns: Int
    var resets: Int
    var charsSent: Int
    /// Time to first token of each assistant reply to this question.
    var ttftMs: [Int64]
    var line: Int
    /// The initial answer (`initial_submitted`) of a two-stage question: option and percent.
    var initialChoice: Int? = nil
    var initialConfidence: Int? = nil
    /// Consultancy and debate answers: roles, rounds, quotes and the final judgment.
    var protocolData: ProtocolAnswer? = nil
}

/// Everything the scorer takes from one session log.
struct SessionScan: Sendable {
    var path: String
    var bytes: Int = 0
    var lines: Int = 0
    var start: SessionStartInfo?
    var ended = false
    /// The completion code of the `session_end` record.
    var completionCode: String?
    var answers: [RawAnswer] = []
    var warnings: [ScoreWarning] = []
    /// Line of the first broken hash link, if any.
    var brokenLink: Int?
    /// Records not scored because of a broken link (0 with `keepDamaged`).
    var droppedRecords = 0
}
