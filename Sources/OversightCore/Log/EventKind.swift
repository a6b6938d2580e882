/// The `type` of a session log record: the one list of event names.
///
/// The writer (`SessionEvent.kind`, `SessionEventCoding`), the core reader, the scorer's
/// scanner and the synthetic study all take the names from here, so a new kind is spelled
/// once. Adding a case makes the compiler point at every switch that must handle it (the
/// payload coding in `LogRecord.swift`); readers that only skip a kind need no change.
/// docs/log-format.md describes each kind's payload.
public enum EventKind: String, CaseIterable, Sendable {
    case sessionStart = "session_start"
    case sessionResume = "session_resume"
    case instructionsShown = "instructions_shown"
    case questionShown = "question_shown"
    case optionChosen = "option_chosen"
    case confidenceChosen = "confidence_chosen"
    case focusChanged = "focus_changed"
    case resized = "resized"
    case passageViewport = "passage_viewport"
    case passageSearch = "passage_search"
    case chatSent = "chat_sent"
    case assistantReply = "assistant_reply"
    case assistantProgress = "assistant_progress"
    case assistantReset = "assistant_reset"
    case heartbeat = "heartbeat"
    case questionInserted = "question_inserted"
    case timePaused = "time_paused"
    case timeResumed = "time_resumed"
    case initialSubmitted = "initial_submitted"
    case submitted = "submitted"
    case roundStarted = "round_started"
    case judgment = "judgment"
    case feedbackShown = "feedback_shown"
    case quit = "quit"
    case logChanged = "log_changed"
    case sessionEnd = "session_end"

    /// The kinds by the UTF-8 length of their name, for matching a name in a byte buffer
    /// without making a string.
    private static let byLength: [[(name: [UInt8], kind: EventKind)]] = {
        let longest = allCases.map { $0.rawValue.utf8.count }.max() ?? 0
        var table = [[(name: [UInt8], kind: EventKind)]](repeating: [], count: longest + 1)
        for k in allCases { table[k.rawValue.utf8.count].append((Array(k.rawValue.utf8), k)) }
        return table
    }()

    /// The kind whose name is exactly the `count` bytes at `bytes` (UTF-8, no escapes), or nil.
    public init?(utf8 bytes: UnsafePointer<UInt8>, count: Int) {
        guard count < Self.byLength.count else { return nil }
        for entry in Self.byLength[count] {
            let same = entry.name.withUnsafeBufferPointer { n -> Bool in
                guard let np = n.baseAddress else { return count == 0 }
                for i in 0..<count where np[i] != bytes[i] { return false }
                return true
            }
            if same {
                self = entry.kind
                return
            }
        }
        return nil
    }
}
