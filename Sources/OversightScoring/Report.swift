import OversightCore

/// Everything `oversight score` reports, ready to render as a table, JSON, CSV or HTML.
public struct ScoreReport: Sendable {
    public var studyID: String
    public var studyHash: String
    public var seed: UInt64
    public var resamples: Int
    public var scale: [Int]
    public var sessions: Int
    public var participants: Int
    public var excluded: [String]
    public var tasks: [TaskReport]
    public var participantRows: [ParticipantRow]
    public var blocks: [BlockRow]
    public var warnings: [ScoreWarning]
    /// The outlier rule, in words.
    public var flagRule: String
    /// Scored logs with a broken hash link whose records past it were kept (`--keep-damaged`).
    public var keptDamaged: [String] = []
    /// Counterbalanced studies only: how evenly items were answered under each condition.
    public var balance: BalanceReport? = nil

    /// The report's first line when damaged records were kept; nil otherwise.
    public var keptDamagedNotice: String? {
        keptDamaged.isEmpty ? nil
            : "DAMAGED LOGS KEPT (--keep-damaged): \(keptDamaged.count) log(s) scored past a broken hash link, "
                + "where records may have been edited: \(keptDamaged.joined(separator: ", "))"
    }
}

/// One calibration bin of a row: the scale value, answers in it, and their accuracy.
public struct BinRow: Sendable, Equatable {
    public var value: Int
    public var count: Int
    public var accuracy: Double?
}

/// One line of the main table: a condition (or a model run) on one task.
public struct ConditionRow: Sendable {
    /// `unaided`, `assisted`, `unaided_vote`, `assisted_vote` or `model`.
    public var condition: String
    /// Display label, e.g. `unaided human`, `human + model (simulated / sim-1)` or
    /// `model likelihood 0-shot (local / m)`.
    public var label: String
    public var answers: Int
    public var participants: Int
    public var items: Int
    public var accuracy: Double
    public var ci95: (Double, Double)?
    public var calibrationError: Double?
    public var brier: Double?
    public var meanConfidence: Double?
    public var bins: [BinRow]
    /// For model rows: the baseline file and run.
    public var model: ModelRunInfo?
    /// The assistant of an assisted row, or the model of a model row; nil for unaided rows.
    public var assistant: AssistantName?
    /// Assisted rows with initial answers or stances: the reliance measures (see `Reliance`).
    public var reliance: RelianceStats? = nil
    /// Consultancy and debate rows: their protocol columns.
    public var protocolStats: ProtocolStats? = nil
}

/// Which baseline run a model row comes from.
public struct ModelRunInfo: Sendable, Equatable {
    public var path: String
    public var convention: String
    public var shots: Int
    public var provider: String
    public var model: String
    /// Of the items the humans answered in this task, how many the run covers.
    public var coversHumanItems: Int
    public var humanItems: Int
}

/// A difference of two accuracies with its bootstrap interval.
public struct DifferenceRow: Sendable {
    /// e.g. `assisted - unaided`.
    public var name: String
    public var estimate: Double
    public var ci95: (Double, Double)?
}

/// The rows and differences of one task.
public struct TaskReport: Sendable {
    public var task: TaskKind
    public var rows: [ConditionRow]
    public var differences: [DifferenceRow]
}

/// One participant on one task under one condition.
public struct ParticipantRow: Sendable, Equatable {
    public var id: String
    public var task: TaskKind
    public var condition: Condition
    public var answers: Int
    /// Answers with a chosen option.
    public var answered: Int
    public var accuracy: Double
    public var meanConfidence: Double?
    public var timeouts: Int
    /// The participant's log reached `session_end`.
    public var completed: Bool
    /// Answers over questions planned, over the whole session.
    public var completion: Double
    /// Unaided accuracy on this task stands far above the others (see `flagRule`).
    public var flagged: Bool
    /// Assisted rows with initial answers or stances: the reliance measures, without intervals.
    public var reliance: RelianceStats? = nil
}

/// Timing and assistant use of one block (block index x task x condition) over participants.
public struct BlockRow: Sendable, Equatable {
    public var block: Int
    public var task: TaskKind
    public var condition: Condition
    public var answers: Int
    public var participants: Int
    public var medianSeconds: Double?
    public var timeouts: Int
    /// Means per question (assisted blocks).
    public var turns: Double?
    public var resets: Double?
    public var charsSent: Double?
    public var medianTTFTMs: Double?
    /// The assistant of an assisted block's row (a block run with several gets a row each).
    public var assistant: AssistantName? = nil
}
