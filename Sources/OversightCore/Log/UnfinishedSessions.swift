import Foundation

/// Finds a session that can be continued among a study's logs (`oversight demo` offers the last
/// unfinished demo session instead of starting a new participant each time).
public enum UnfinishedSessions {
    /// An unfinished session log.
    public struct Found: Sendable {
        public var participant: String
        public var url: URL
        public var read: LogReadResult
        /// Wall time of its last record (ms since 1970).
        public var lastWallMs: Int64
    }

    /// The unfinished log under `ROOT/<studyID>/` written to most recently whose participant id
    /// starts with `participantPrefix` and whose session used the assistant `provider`; nil when
    /// there is none. Logs that are finished, unreadable, or of another study are passed over.
    public static func latest(root: URL, studyID: String, participantPrefix: String, provider: String) -> Found? {
        let dir = root.appendingPathComponent(studyID, isDirectory: true)
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir.path) else { return nil }
        var best: Found?
        for name in names.sorted() where name.hasSuffix(".jsonl") && name.hasPrefix(participantPrefix) {
            let url = dir.appendingPathComponent(name)
            guard case .unfinished(let read) = ExistingSession.examine(url: url),
                  case .sessionStart(let start)? = read.records.first?.event, start.studyID == studyID,
                  start.participant + ".jsonl" == name, start.assistantProvider == provider,
                  let last = read.records.last else { continue }
            if let b = best, b.lastWallMs >= last.wallMs { continue }
            best = Found(participant: start.participant, url: url, read: read, lastWallMs: last.wallMs)
        }
        return best
    }
}
