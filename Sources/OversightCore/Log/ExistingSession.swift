import Foundation

/// What a participant's log says about their session, read once: the single answer to "is
/// there a session here, is it finished, can it be continued". The arrival screen, `run`,
/// `demo` and the runtime all take it from here; the records read are handed on to the writer
/// (`SessionLogWriter.resume(at:after:)`) and the runtime's replay, so a resume reads the log
/// once.
public enum ExistingSession: Sendable {
    /// No log, or a log with no record: a fresh start.
    case none
    /// The log ends with `session_end`: nothing more may be written.
    case finished(completionCode: String)
    /// The log cannot be continued (unreadable, or damaged before its end).
    case refused(reason: String)
    /// An unfinished session: its records, and where it stopped.
    case unfinished(LogReadResult)

    /// Examine the log at `url` (one read).
    public static func examine(url: URL) -> ExistingSession {
        guard FileManager.default.fileExists(atPath: url.path) else { return .none }
        return examine(SessionLogReader.read(url: url))
    }

    /// Classify what was read from a log.
    public static func examine(_ read: LogReadResult) -> ExistingSession {
        if let code = read.completionCode { return .finished(completionCode: code) }
        if let refusal = read.resumeRefusal { return .refused(reason: refusal) }
        return read.records.isEmpty ? .none : .unfinished(read)
    }
}

extension Array where Element == LogRecord {
    /// The completion code of a finished log (its `session_end`), nil when unfinished.
    public var completionCode: String? {
        for record in reversed() {
            if case .sessionEnd(let code) = record.event { return code }
        }
        return nil
    }
}

extension LogReadResult {
    /// The completion code of a finished log (its `session_end`), nil when unfinished.
    public var completionCode: String? { records.completionCode }

    /// The last question shown (block and index, 0-based), nil when none was.
    public var lastQuestionShown: (block: Int, index: Int)? {
        for record in records.reversed() {
            if case .questionShown(let shown) = record.event { return (shown.block, shown.index) }
        }
        return nil
    }
}
