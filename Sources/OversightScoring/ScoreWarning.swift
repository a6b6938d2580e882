/// One problem the scorer found and worked around, printed as `PATH:LINE: message`.
///
/// The scorer never stops on bad content: it skips what is unsound, says so here, and goes on.
public struct ScoreWarning: Sendable, Equatable, Hashable, CustomStringConvertible {
    /// What kind of problem this is (stable names, used in the JSON output).
    public enum Kind: String, Sendable, Codable {
        case truncatedTail = "truncated_tail"
        case corrupt
        case newerSchema = "newer_schema"
        case sequence
        case chain
        case unreadable
        case noStart = "no_session_start"
        case unfinished
        /// A session was started but holds no answer: not counted as a participant.
        case noAnswers = "no_answers"
        case duplicateParticipant = "duplicate_participant"
        case duplicateAnswer = "duplicate_answer"
        case duplicateSession = "duplicate_session"
        case studyMismatch = "study_mismatch"
        case scale
        case baseline
        case stance
        case exclusion
        case statistics
        case mixedAssistants = "mixed_assistants"
        /// A counterbalanced study's items were not seen under each condition equally often.
        case balance
    }

    /// File concerned, nil for whole-study remarks.
    public var path: String?
    /// 1-based line, nil when no line applies.
    public var line: Int?
    public var kind: Kind
    public var message: String

    /// Make a warning.
    public init(path: String?, line: Int?, kind: Kind, message: String) {
        self.path = path
        self.line = line
        self.kind = kind
        self.message = message
    }

    public var description: String {
        switch (path, line) {
        case let (p?, l?): return "\(p):\(l): \(message)"
        case let (p?, nil): return "\(p): \(message)"
        default: return message
        }
    }
}
