import Foundation

/// Condition of a block: the participant works with the assistant, or alone, or judges a
/// consultant or two debaters assigned to options (see `ProtocolSettings`).
public enum Condition: String, Codable, Sendable, CaseIterable {
    case assisted
    case unaided
    case consultancy
    case debate
}

/// The panes of the question screen (also logged on focus changes).
public enum Pane: String, Codable, Sendable, CaseIterable {
    case passage   // the passage (QuALITY) or the question text (MMLU)
    case answer
    case chat
}

/// One block as planned at session start: which questions, in which order.
public struct BlockPlan: Codable, Sendable, Equatable {
    public var condition: Condition
    public var questionIDs: [String]
    public var timeLimitSeconds: Int?
    /// True when each question first takes an initial answer without the assistant
    /// (`initial_answer = true`); absent otherwise.
    public var initialAnswer: Bool?

    public init(condition: Condition, questionIDs: [String], timeLimitSeconds: Int?, initialAnswer: Bool? = nil) {
        self.condition = condition
        self.questionIDs = questionIDs
        self.timeLimitSeconds = timeLimitSeconds
        self.initialAnswer = initialAnswer
    }

    enum CodingKeys: String, CodingKey {
        case condition
        case questionIDs = "question_ids"
        case timeLimitSeconds = "time_limit_seconds"
        case initialAnswer = "initial_answer"
    }
}

/// Payload of the first record of every session log.
public struct SessionStart: Codable, Sendable, Equatable {
    public var studyID: String
    /// SHA-256 (hex) of the study file's bytes.
    public var studyHash: String
    /// SHA-256 (hex) of the selected question ids, in block order, joined by newlines.
    public var questionsHash: String
    public var seed: UInt64
    public var appVersion: String
    public var participant: String
    /// Unique id of this session (one log file).
    public var sessionID: String
    public var feedback: Bool
    /// Confidence scale in percent, e.g. [25, 42, 60, 80, 100].
    public var confidence: [Int]
    public var blocks: [BlockPlan]
    /// Assistant provider and model named by the study (`simulated`, `openai`, ...).
    public var assistantProvider: String
    public var assistantModel: String?
    /// True when `oversight simulate` played the participant; absent (nil) for real people.
    public var simulated: Bool?
    /// Counterbalanced studies only: the participant's arm (1-based) and the number of arms.
    public var arm: Int?
    public var arms: Int?
    /// Counterbalanced studies only: study-file block numbers (1-based) in presentation order.
    public var blockOrder: [Int]?
    /// Counterbalanced studies only: for each presented block, the study-file block number whose
    /// drawn question set it shows.
    public var questionSets: [Int]?

    public init(studyID: String, studyHash: String, questionsHash: String, seed: UInt64,
                appVersion: String, participant: String, sessionID: String, feedback: Bool,
                confidence: [Int], blocks: [BlockPlan], assistantProvider: String,
                assistantModel: String?, simulated: Bool? = nil) {
        self.studyID = studyID
        self.studyHash = studyHash
        self.questionsHash = questionsHash
        self.seed = seed
        self.appVersion = appVersion
        self.participant = participant
        self.sessionID = sessionID
        self.feedback = feedback
        self.confidence = confidence
        self.blocks = blocks
        self.assistantProvider = assistantProvider
        self.assistantModel = assistantModel
        self.simulated = simulated
    }

    enum CodingKeys: String, CodingKey {
        case studyID = "study_id", studyHash = "study_hash", questionsHash = "questions_hash"
        case seed, appVersion = "app_version", participant, sessionID = "session_id", feedback
        case confidence, blocks, assistantProvider = "assistant_provider"
        case assistantModel = "assistant_model", simulated
        case arm, arms, blockOrder = "block_order", questionSets = "question_sets"
    }
}

/// A question appearing on screen (first time, or again after a resume).
public struct QuestionShown: Codable, Sendable, Equatable {
    public var block: Int          // 0-based
    public var index: Int          // 0-based within the block
    public var questionID: String
    public var task: TaskKind
    public var subject: String
    public var condition: Condition
    /// Time limit of the question, if the block has one.
    public var timeLimitMs: Int64?
    /// Consultancy and debate: the original option indices (0-3) shown, in screen order.
    public var optionsShown: [Int]?
    /// Consultancy and debate: the option each role defends (never shown to the participant).
    public var roles: [RoleAssignment]?

    public init(block: Int, index: Int, questionID: String, task: TaskKind, subject: String,
                condition: Condition, timeLimitMs: Int64?, optionsShown: [Int]? = nil,
                roles: [RoleAssignment]? = nil) {
        self.block = block
        self.index = index
        self.questionID = questionID
        self.task = task
        self.subject = subject
        self.condition = condition
        self.timeLimitMs = timeLimitMs
        self.optionsShown = optionsShown
        self.roles = roles
    }

    enum CodingKeys: String, CodingKey {
        case block, index, questionID = "question_id", task, subject, condition
        case timeLimitMs = "time_limit_ms"
        case optionsShown = "options_shown", roles
    }
}

/// An answer submitted (by Enter, or automatically when the timer ran out). Self-contained so
/// the scorer needs nothing but the log.
public struct Submission: Codable, Sendable, Equatable {
    public var block: Int
    public var index: Int
    public var questionID: String
    public var task: TaskKind
    public var subject: String
    public var condition: Condition
    /// Chosen option 0...3, nil when none was chosen (scored wrong).
    public var choice: Int?
    /// Chosen confidence in percent (a value of the study's scale), nil when none.
    public var confidence: Int?
    public var gold: Int
    public var correct: Bool
    public var timedOut: Bool
    /// Active time on the question (downtime excluded).
    public var elapsedMs: Int64
    /// Consultancy and debate: the final judgment (four numbers, original option order, summing
    /// to 1; 0 for options not shown). `choice` is its highest option.
    public var probabilities: [Double]?

    public init(block: Int, index: Int, questionID: String, task: TaskKind, subject: String,
                condition: Condition, choice: Int?, confidence: Int?, gold: Int, correct: Bool,
                timedOut: Bool, elapsedMs: Int64, probabilities: [Double]? = nil) {
        self.probabilities = probabilities
        self.block = block
        self.index = index
        self.questionID = questionID
        self.task = task
        self.subject = subject
        self.condition = condition
        self.choice = choice
        self.confidence = confidence
        self.gold = gold
        self.correct = correct
        self.timedOut = timedOut
        self.elapsedMs = elapsedMs
    }

    enum CodingKeys: String, CodingKey {
        case block, index, questionID = "question_id", task, subject, condition, choice
        case confidence, gold, correct, timedOut = "timed_out", elapsedMs = "elapsed_ms"
        case probabilities
    }
}

/// The answer given before the assistant opens (blocks with `initial_answer = true`): the
/// first stage of a question. Never scored as right or wrong on screen.
public struct InitialSubmission: Codable, Sendable, Equatable {
    public var questionID: String
    /// Chosen option 0...3.
    public var choice: Int
    /// Chosen confidence in percent (a value of the study's scale).
    public var confidence: Int
    /// Active time on the question until the initial answer (downtime excluded).
    public var elapsedMs: Int64

    public init(questionID: String, choice: Int, confidence: Int, elapsedMs: Int64) {
        self.questionID = questionID
        self.choice = choice
        self.confidence = confidence
        self.elapsedMs = elapsedMs
    }

    enum CodingKeys: String, CodingKey {
        case questionID = "question_id", choice, confidence, elapsedMs = "elapsed_ms"
    }
}

/// How an assistant reply ended.
public enum ReplyStatus: String, Codable, Sendable {
    case complete
    case cancelled
    case failed
    /// The app stopped (crash, `kill -9`, power loss) while the reply was streaming; the text is
    /// what had been logged of it by then (`assistant_progress`), logged when the session resumes.
    case interrupted
}

/// One assistant reply, logged when it ends (complete, cancelled or failed).
public struct AssistantReply: Codable, Sendable, Equatable {
    public var questionID: String
    public var requestID: Int
    /// Full text received (partial when cancelled or failed).
    public var text: String
    public var status: ReplyStatus
    public var error: String?
    public var provider: String
    public var model: String?
    public var ttftMs: Int64?
    public var durationMs: Int64
    public var promptTokens: Int?
    public var completionTokens: Int?
    /// Consultancy and debate: the role that spoke.
    public var role: ProtocolRole?
    /// Consultancy and debate: the round (1-based) of the speech.
    public var round: Int?
    /// Consultancy and debate: the speech's quotes, checked against the passage.
    public var quotes: [QuoteRecord]?
    /// Consultancy and debate: true when the speech was longer than the block's `max_chars` and
    /// was shown (and passed on) cut at the limit.
    public var cut: Bool?

    public init(questionID: String, requestID: Int, text: String, status: ReplyStatus,
                error: String? = nil, provider: String, model: String? = nil, ttftMs: Int64? = nil,
                durationMs: Int64, promptTokens: Int? = nil, completionTokens: Int? = nil,
                role: ProtocolRole? = nil, round: Int? = nil, quotes: [QuoteRecord]? = nil, cut: Bool? = nil) {
        self.role = role
        self.round = round
        self.quotes = quotes
        self.cut = cut
        self.questionID = questionID
        self.requestID = requestID
        self.text = text
        self.status = status
        self.error = error
        self.provider = provider
        self.model = model
        self.ttftMs = ttftMs
        self.durationMs = durationMs
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
    }

    enum CodingKeys: String, CodingKey {
        case questionID = "question_id", requestID = "request_id", text, status, error, provider
        case model, ttftMs = "ttft_ms", durationMs = "duration_ms"
        case promptTokens = "prompt_tokens", completionTokens = "completion_tokens"
        case role, round, quotes, cut
    }
}

/// Every event a session log can hold. Each case is written as one `EventKind` (the log's
/// `type` field); see docs/log-format.md.
public enum SessionEvent: Sendable, Equatable {
    case sessionStart(SessionStart)
    /// The app started again on an unfinished log. `downtimeMs`: wall time since the last record.
    case sessionResume(downtimeMs: Int64)
    case instructionsShown
    case questionShown(QuestionShown)
    /// Option (0...3) chosen; nil clears.
    case optionChosen(questionID: String, option: Int?)
    /// Confidence chosen, as its level index in the scale and its percent value.
    case confidenceChosen(questionID: String, level: Int, value: Int)
    case focusChanged(pane: Pane)
    case resized(cols: Int, rows: Int)
    /// Passage scrolled (debounced). `offset`: Unicode-scalar offset into the passage text of the
    /// first character on the top line (independent of wrap width); `line`/`lines`: as displayed.
    case passageViewport(questionID: String, offset: Int, line: Int, lines: Int)
    case passageSearch(questionID: String, query: String, matches: Int)
    case chatSent(questionID: String, requestID: Int, text: String)
    case assistantReply(AssistantReply)
    /// Reply text streamed since the previous progress record of `requestID` (at most one a
    /// second, not fsync'd), so what the participant read survives a crash.
    case assistantProgress(questionID: String, requestID: Int, text: String)
    case assistantReset(questionID: String)
    /// Written every second of a question so the active time survives a crash.
    case heartbeat
    /// The question and its options were put into the chat input by a key, as editable text
    /// (`chars`: characters inserted). What is sent arrives later as a `chat_sent`.
    case questionInserted(questionID: String, chars: Int)
    /// Active time stopped (`reason`: `too_small`, the terminal cannot show the screen); records
    /// keep the same `mono_ms` until `timeResumed`.
    case timePaused(reason: String)
    /// Active time runs again after `timePaused`.
    case timeResumed
    /// The initial answer of a two-stage question, given before the assistant opens.
    case initialSubmitted(InitialSubmission)
    case submitted(Submission)
    /// Consultancy and debate: a round begins (the judge's remark, the speeches' request ids).
    case roundStarted(RoundStarted)
    /// Consultancy and debate: the participant's probabilities (prior, or after a round).
    case judgment(Judgment)
    case feedbackShown(questionID: String)
    /// The participant quit (`user`), or the terminal went away (`hangup`), or a signal (`signal`).
    case quit(reason: String)
    /// Written just before `session_end` when the file on disk no longer holds exactly the
    /// records this session wrote: someone changed the log while the session ran.
    case logChanged(detail: String)
    case sessionEnd(completionCode: String)

    /// The kind of record this event is written as.
    public var kind: EventKind {
        switch self {
        case .sessionStart: .sessionStart
        case .sessionResume: .sessionResume
        case .instructionsShown: .instructionsShown
        case .questionShown: .questionShown
        case .optionChosen: .optionChosen
        case .confidenceChosen: .confidenceChosen
        case .focusChanged: .focusChanged
        case .resized: .resized
        case .passageViewport: .passageViewport
        case .passageSearch: .passageSearch
        case .chatSent: .chatSent
        case .assistantReply: .assistantReply
        case .assistantProgress: .assistantProgress
        case .assistantReset: .assistantReset
        case .heartbeat: .heartbeat
        case .questionInserted: .questionInserted
        case .timePaused: .timePaused
        case .timeResumed: .timeResumed
        case .initialSubmitted: .initialSubmitted
        case .submitted: .submitted
        case .roundStarted: .roundStarted
        case .judgment: .judgment
        case .feedbackShown: .feedbackShown
        case .quit: .quit
        case .logChanged: .logChanged
        case .sessionEnd: .sessionEnd
        }
    }

    /// The log's `type` string (the kind's name).
    public var type: String { kind.rawValue }

    /// Events that must be on disk (fsync'd) before the app acts on them.
    public var isDurable: Bool {
        switch self {
        case .focusChanged, .resized, .passageViewport, .heartbeat, .assistantProgress, .questionInserted: false
        default: true
        }
    }
}
