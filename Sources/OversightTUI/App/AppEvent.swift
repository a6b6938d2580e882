import OversightCore

/// Everything that can happen to the participant screen. Keys, ticks and resizes come from the
/// driver; assistant chunks come from reply tasks through the runtime's inbox.
public enum AppEvent: Sendable, Equatable {
    case key(Key)
    /// Time passed: `nowMs` is active session time (the log's `mono_ms` clock).
    case tick(nowMs: Int64)
    case resize(Size)
    /// A piece of the reply to request `requestID` (dropped when that request is not current).
    case assistantChunk(requestID: Int, AssistantChunk)
    /// The reply to `requestID` failed; `message` is safe to show and log.
    case assistantFailed(requestID: Int, message: String)
    /// The terminal went away (pty closed): log and quit.
    case hangup
    /// The process was asked to stop (SIGTERM, SIGHUP): log and quit.
    case terminate(signal: String)
}

/// Why the session loop should stop.
public enum QuitReason: Sendable, Equatable {
    /// The participant confirmed Ctrl-C.
    case user
    /// The terminal went away.
    case hangup
    /// A signal asked the process to stop.
    case signal(String)
    /// The session is complete; the end screen was dismissed.
    case finished(completionCode: String)
    /// The session log cannot be written.
    case logFailure(String)

    /// The `reason` string written in the log's `quit` event.
    public var logReason: String {
        switch self {
        case .user: "user"
        case .hangup: "hangup"
        case .signal: "signal"
        case .finished: "finished"
        case .logFailure: "log_failure"
        }
    }
}

/// What the pure core asks the outside world to do. Tests compare these directly.
public enum Effect: Sendable, Equatable {
    /// Write this event to the session log, then apply it to the state (see `AppCore.apply`).
    case appendLog(SessionEvent)
    /// Start streaming a reply; chunks must come back tagged with `requestID`.
    case startReply(requestID: Int, questionID: String, messages: [ChatMessage])
    /// Stop the reply `requestID` (its remaining chunks are dropped anyway).
    case cancelReply(requestID: Int)
    /// Let the assistant get ready for this question's conversation (e.g. read the passage).
    case prepareAssistant(questionID: String, messages: [ChatMessage])
    /// Stop the session loop.
    case quit(QuitReason)
    /// Write `session_end`. The runtime first checks that the file on disk still holds the
    /// chain it wrote (if not it writes `log_changed`), then derives the completion code from
    /// the hash of the log's final record (see `CompletionCode`), then applies what it wrote.
    case endSession
}

/// How a session stands, for the driver.
public enum SessionOutcome: Sendable, Equatable {
    case running
    /// The participant finished every question and dismissed the end screen.
    case finished(completionCode: String)
    /// The session stopped early (quit, hangup, signal, log failure); it can be resumed.
    case quit(QuitReason)
}
