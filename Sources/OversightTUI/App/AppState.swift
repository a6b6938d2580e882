import OversightCore

/// The study as the screen needs it: settings, drawn questions, who is answering.
public struct StudyContext: Sendable {
    /// The study as drawn for this participant: every fact about blocks, questions, order and
    /// time limits comes from here (the screen asks it rather than working them out again).
    public let resolved: ResolvedStudy
    public let participant: String

    public var study: Study { resolved.study }
    /// Questions per block, in presentation order.
    public var blocks: [[Question]] { resolved.blocks }

    /// A context from a study, its drawn questions and the participant id.
    public init(study: Study, blocks: [[Question]], participant: String) {
        self.init(ResolvedStudy(study: study, blocks: blocks), participant: participant)
    }

    /// A context from a resolved study and the participant id.
    public init(_ resolved: ResolvedStudy, participant: String) {
        self.resolved = resolved
        self.participant = participant
    }

    public func question(block: Int, index: Int) -> Question? { resolved.question(block: block, index: index) }
    public func question(id: String) -> Question? { resolved.question(id: id) }
    public func condition(block: Int) -> Condition { resolved.condition(block: block) }
    public func timeLimitMs(block: Int) -> Int64? { resolved.timeLimitMs(block: block) }
    public func initialAnswer(block: Int) -> Bool { resolved.initialAnswer(block: block) }
    public func position(after block: Int, _ index: Int) -> (block: Int, index: Int)? { resolved.position(after: block, index) }
    public var firstPosition: (block: Int, index: Int)? { resolved.firstPosition }
}

/// Which screen is showing.
public enum Phase: Sendable, Equatable {
    /// Before the first record is applied.
    case starting
    case instructions
    case question
    /// A submission was logged; the next screen is being shown.
    case submitted
    case feedback
    /// The end screen with the completion code.
    case finished
}

/// An overlay drawn over the current screen.
public enum Overlay: Sendable, Equatable {
    case help
    case quitConfirm
}

/// A request whose reply has not ended yet (set by a logged `chat_sent`).
public struct PendingRequest: Sendable, Equatable {
    public var requestID: Int
    public var questionID: String
    public var userText: String
    public var startedMs: Int64
    /// When the first text arrived (not logged until the reply ends).
    public var firstTextMs: Int64?
    public var streaming: StreamingReply
    /// The text logged so far in `assistant_progress` records (a prefix of `streaming.text`
    /// live; all that a replay knows of the reply).
    public var loggedText: String = ""
    /// When the last progress record (or `chat_sent`) was logged.
    public var loggedMs: Int64
}

/// The participant's last message when its reply failed or was cancelled: F5 sends it again
/// (set and cleared by logged events only, so a replay rebuilds it).
public struct RetryableRequest: Sendable, Equatable {
    /// The request whose reply did not complete.
    public var requestID: Int
    public var questionID: String
    /// The message to send again.
    public var userText: String
    /// The partial reply that entered the model's context after `userText` (empty: none did).
    public var partialText: String
}

/// The whole state of the participant screen.
///
/// Durable fields change only in `AppCore.apply` (from a logged event), so replaying a log
/// rebuilds them; the rest (`ui`-marked below) is presentation state that `AppCore.update`
/// changes directly.
public struct AppState: Sendable {
    public let context: StudyContext

    // Durable: rebuilt by replaying the log.
    public internal(set) var phase: Phase = .starting
    public internal(set) var block: Int = 0
    public internal(set) var index: Int = 0
    public internal(set) var answer = AnswerState()
    public internal(set) var conversation: Conversation?
    public internal(set) var questionStartMs: Int64 = 0
    public internal(set) var deadlineMs: Int64?
    public internal(set) var pending: PendingRequest?
    /// The message F5 sends again, while the last reply to it failed or was cancelled.
    public internal(set) var retry: RetryableRequest?
    public internal(set) var lastSubmission: Submission?
    /// The initial answer of the question on screen (two-stage blocks), once it is logged.
    public internal(set) var initialAnswer: InitialSubmission?
    public internal(set) var completionCode: String?
    /// What `log_changed` said: the log file was changed by someone else during the session.
    public internal(set) var logChanged: String?
    public internal(set) var nextRequestID: Int = 1
    /// Active time of the last record applied (for heartbeats).
    public internal(set) var lastRecordMs: Int64 = 0
    public internal(set) var resets: Int = 0
    /// Session id from `session_start`.
    public internal(set) var sessionID: String = ""
    /// Active time is stopped (`time_paused` logged, no `time_resumed` yet): the terminal is too
    /// small to show the screen, so no timer runs.
    public internal(set) var timePaused = false
    /// The consultancy or debate question on screen (nil on other questions).
    public internal(set) var protocolQuestion: ProtocolQuestion?

    // Durable and presentation: chat transcript (entries durable, scroll not), passage position
    // (`topOffset` durable through debounced viewport records), focus.
    public var chat = ChatViewState()
    public var passage = PassageViewState()
    public var focus: Pane = .answer

    // Presentation only.
    public var nowMs: Int64 = 0
    public var size: Size
    public var overlay: Overlay?
    public var input = ChatInputState()
    /// The judgment being edited and the speeches streaming in, on a protocol question.
    public var judge = JudgeUI()
    /// A one-off message in the answer pane ("Choose a confidence first.").
    public var notice: String?
    /// A one-off message in the chat pane ("Wait for the reply to finish...").
    public var chatNotice: String?
    /// Set when the log could not be written: answers are refused from then on.
    public var logFailure: String?
    /// When the passage was last scrolled without a viewport record being written.
    public var viewportDirtySinceMs: Int64?
    /// Scroll of the instructions screen.
    public var instructionsTop: Int = 0
    /// First scrolled row of the answer pane when its question and options do not fit whole.
    public var answerTop: Int = 0
    /// Whether the focused pane fills the screen (F7); a new question starts unzoomed.
    public var zoomed = false
    /// Set once a quit effect has been issued.
    public var quitting: QuitReason?
    /// Wrapped passage lines for the current width (memo).
    public let wrapCache = WrapCache()

    /// The state before any record is applied.
    public init(context: StudyContext, size: Size) {
        self.context = context
        self.size = size
    }

    /// The question on screen (or last on screen), if any.
    public var question: Question? { context.question(block: block, index: index) }
    public var condition: Condition { context.condition(block: block) }
    /// The assistant can be reached on this question now: an assisted block, past the initial
    /// answer when the block asks for one.
    public var isAssisted: Bool { condition == .assisted && !awaitingInitialAnswer }
    /// Stage 1 of a two-stage question: the initial answer is due and the assistant is closed.
    public var awaitingInitialAnswer: Bool {
        phase == .question && initialAnswer == nil && context.initialAnswer(block: block)
    }
    public var scale: [Int] { context.study.confidence }

    /// Remaining time of a timed question, derived from the stored deadline (never counted down).
    public var remainingMs: Int64? { deadlineMs.map { max(0, $0 - nowMs) } }

    /// Panes of the question screen in Tab order.
    public var panes: [Pane] {
        if let pq = protocolQuestion { return AppCore.protocolPanes(pq) }
        return isAssisted ? [.passage, .answer, .chat] : [.passage, .answer]
    }

    /// The state that a replay of the log must reproduce exactly.
    public var durable: DurableState {
        DurableState(phase: phase, block: block, index: index, answer: answer, chat: chat.entries,
                     conversation: conversation, passageOffset: passage.topOffset, passageQuery: passage.query,
                     questionStartMs: questionStartMs, deadlineMs: deadlineMs, lastSubmission: lastSubmission,
                     completionCode: completionCode, nextRequestID: nextRequestID, focus: focus, resets: resets,
                     retry: retry, timePaused: timePaused, initialAnswer: initialAnswer,
                     protocolQuestion: protocolQuestion)
    }
}

/// The durable part of `AppState`, for comparing a live session with its replay.
public struct DurableState: Sendable, Equatable {
    public var phase: Phase
    public var block: Int
    public var index: Int
    public var answer: AnswerState
    public var chat: [ChatEntry]
    public var conversation: Conversation?
    public var passageOffset: Int
    public var passageQuery: String
    public var questionStartMs: Int64
    public var deadlineMs: Int64?
    public var lastSubmission: Submission?
    public var completionCode: String?
    public var nextRequestID: Int
    public var focus: Pane
    public var resets: Int
    public var retry: RetryableRequest?
    public var timePaused: Bool
    public var initialAnswer: InitialSubmission?
    public var protocolQuestion: ProtocolQuestion?
}
