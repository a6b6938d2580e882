import Foundation

/// One line of a session log: envelope fields plus the event.
///
/// On disk: `{"v":1,"seq":0,"wall_ms":…,"mono_ms":…,"type":"…","data":{…},"prev":"…"}` followed by
/// a newline. `prev` is the SHA-256 (hex) of the previous line's bytes without its newline, and
/// 64 zeros on the first line. See docs/log-format.md.
public struct LogRecord: Sendable, Equatable {
    /// Schema version of this record.
    public var version: Int
    /// 0-based, consecutive within the file.
    public var seq: Int
    /// UTC wall-clock time, milliseconds since 1970.
    public var wallMs: Int64
    /// Active session time in milliseconds: monotonic, and continued (not reset) on resume, so
    /// time while the app was down never counts.
    public var monoMs: Int64
    public var event: SessionEvent
    /// SHA-256 (hex) of the previous line.
    public var prev: String

    public init(version: Int = AppInfo.logSchemaVersion, seq: Int, wallMs: Int64, monoMs: Int64,
                event: SessionEvent, prev: String) {
        self.version = version
        self.seq = seq
        self.wallMs = wallMs
        self.monoMs = monoMs
        self.event = event
        self.prev = prev
    }

    /// The hash that stands in `prev` on the first line.
    public static let genesis = String(repeating: "0", count: 64)

    /// The record as one JSON line (without the trailing newline).
    public func encodedLine() throws -> String {
        let data = try SessionEventCoding.encodeData(event)
        return "{\"v\":\(version),\"seq\":\(seq),\"wall_ms\":\(wallMs),\"mono_ms\":\(monoMs),"
            + "\"type\":\"\(event.kind.rawValue)\",\"data\":\(data),\"prev\":\"\(prev)\"}"
    }
}

/// Why a log line could not be taken as a record.
public struct LogDecodingError: Error, Sendable, CustomStringConvertible {
    public var message: String
    /// True when the record is from a newer schema than this app knows.
    public var newerSchema: Bool
    public init(_ message: String, newerSchema: Bool = false) {
        self.message = message
        self.newerSchema = newerSchema
    }
    public var description: String { message }
}

/// JSON coding of event payloads (`data`) by event type.
enum SessionEventCoding {
    private static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }()

    private struct QuestionRef: Codable { var question_id: String }
    private struct Resume: Codable { var downtime_ms: Int64 }
    private struct Option: Codable { var question_id: String; var option: Int? }
    private struct Confidence: Codable { var question_id: String; var level: Int; var value: Int }
    private struct Focus: Codable { var pane: Pane }
    private struct Resize: Codable { var cols: Int; var rows: Int }
    private struct Viewport: Codable { var question_id: String; var offset: Int; var line: Int; var lines: Int }
    private struct Search: Codable { var question_id: String; var query: String; var matches: Int }
    private struct Chat: Codable { var question_id: String; var request_id: Int; var text: String }
    private struct Quit: Codable { var reason: String }
    private struct Inserted: Codable { var question_id: String; var chars: Int }
    private struct End: Codable { var completion_code: String }
    private struct Changed: Codable { var detail: String }
    private struct Empty: Codable {}

    private struct OptionalOption: Encodable {
        var question_id: String
        var option: Int?
        func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(question_id, forKey: .question_id)
            try c.encode(option, forKey: .option)  // explicit null when cleared
        }
        enum CodingKeys: String, CodingKey { case question_id, option }
    }

    static func encodeData(_ event: SessionEvent) throws -> String {
        let data: Data
        switch event {
        case .sessionStart(let s): data = try encoder.encode(s)
        case .sessionResume(let d): data = try encoder.encode(Resume(downtime_ms: d))
        case .instructionsShown, .heartbeat, .timeResumed: data = try encoder.encode(Empty())
        case .questionInserted(let id, let n): data = try encoder.encode(Inserted(question_id: id, chars: n))
        case .timePaused(let r): data = try encoder.encode(Quit(reason: r))
        case .questionShown(let q): data = try encoder.encode(q)
        case .optionChosen(let id, let o): data = try encoder.encode(OptionalOption(question_id: id, option: o))
        case .confidenceChosen(let id, let l, let v):
            data = try encoder.encode(Confidence(question_id: id, level: l, value: v))
        case .focusChanged(let p): data = try encoder.encode(Focus(pane: p))
        case .resized(let c, let r): data = try encoder.encode(Resize(cols: c, rows: r))
        case .passageViewport(let id, let o, let l, let n):
            data = try encoder.encode(Viewport(question_id: id, offset: o, line: l, lines: n))
        case .passageSearch(let id, let q, let m):
            data = try encoder.encode(Search(question_id: id, query: q, matches: m))
        case .chatSent(let id, let r, let t): data = try encoder.encode(Chat(question_id: id, request_id: r, text: t))
        case .assistantReply(let r): data = try encoder.encode(r)
        case .assistantProgress(let id, let r, let t):
            data = try encoder.encode(Chat(question_id: id, request_id: r, text: t))
        case .assistantReset(let id): data = try encoder.encode(QuestionRef(question_id: id))
        case .initialSubmitted(let s): data = try encoder.encode(s)
        case .submitted(let s): data = try encoder.encode(s)
        case .roundStarted(let r): data = try encoder.encode(r)
        case .judgment(let j): data = try encoder.encode(j)
        case .feedbackShown(let id): data = try encoder.encode(QuestionRef(question_id: id))
        case .quit(let r): data = try encoder.encode(Quit(reason: r))
        case .logChanged(let d): data = try encoder.encode(Changed(detail: d))
        case .sessionEnd(let c): data = try encoder.encode(End(completion_code: c))
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// Decode the payload of an event of type `type` from `container`'s `data` key.
    static func decode<K: CodingKey>(type: String, from c: KeyedDecodingContainer<K>, key: K) throws -> SessionEvent {
        guard let kind = EventKind(rawValue: type) else { throw LogDecodingError("unknown event type \"\(type)\"") }
        switch kind {
        case .sessionStart: return .sessionStart(try c.decode(SessionStart.self, forKey: key))
        case .sessionResume: return .sessionResume(downtimeMs: try c.decode(Resume.self, forKey: key).downtime_ms)
        case .instructionsShown: return .instructionsShown
        case .heartbeat: return .heartbeat
        case .questionInserted:
            let o = try c.decode(Inserted.self, forKey: key)
            return .questionInserted(questionID: o.question_id, chars: o.chars)
        case .timePaused: return .timePaused(reason: try c.decode(Quit.self, forKey: key).reason)
        case .timeResumed: return .timeResumed
        case .questionShown: return .questionShown(try c.decode(QuestionShown.self, forKey: key))
        case .optionChosen:
            let o = try c.decode(Option.self, forKey: key)
            return .optionChosen(questionID: o.question_id, option: o.option)
        case .confidenceChosen:
            let o = try c.decode(Confidence.self, forKey: key)
            return .confidenceChosen(questionID: o.question_id, level: o.level, value: o.value)
        case .focusChanged: return .focusChanged(pane: try c.decode(Focus.self, forKey: key).pane)
        case .resized:
            let o = try c.decode(Resize.self, forKey: key)
            return .resized(cols: o.cols, rows: o.rows)
        case .passageViewport:
            let o = try c.decode(Viewport.self, forKey: key)
            return .passageViewport(questionID: o.question_id, offset: o.offset, line: o.line, lines: o.lines)
        case .passageSearch:
            let o = try c.decode(Search.self, forKey: key)
            return .passageSearch(questionID: o.question_id, query: o.query, matches: o.matches)
        case .chatSent:
            let o = try c.decode(Chat.self, forKey: key)
            return .chatSent(questionID: o.question_id, requestID: o.request_id, text: o.text)
        case .assistantReply: return .assistantReply(try c.decode(AssistantReply.self, forKey: key))
        case .assistantProgress:
            let o = try c.decode(Chat.self, forKey: key)
            return .assistantProgress(questionID: o.question_id, requestID: o.request_id, text: o.text)
        case .assistantReset: return .assistantReset(questionID: try c.decode(QuestionRef.self, forKey: key).question_id)
        case .initialSubmitted: return .initialSubmitted(try c.decode(InitialSubmission.self, forKey: key))
        case .submitted: return .submitted(try c.decode(Submission.self, forKey: key))
        case .roundStarted: return .roundStarted(try c.decode(RoundStarted.self, forKey: key))
        case .judgment: return .judgment(try c.decode(Judgment.self, forKey: key))
        case .feedbackShown: return .feedbackShown(questionID: try c.decode(QuestionRef.self, forKey: key).question_id)
        case .quit: return .quit(reason: try c.decode(Quit.self, forKey: key).reason)
        case .logChanged: return .logChanged(detail: try c.decode(Changed.self, forKey: key).detail)
        case .sessionEnd: return .sessionEnd(completionCode: try c.decode(End.self, forKey: key).completion_code)
        }
    }
}

extension LogRecord: Decodable {
    enum CodingKeys: String, CodingKey {
        case version = "v", seq, wallMs = "wall_ms", monoMs = "mono_ms", type, data, prev
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        version = try c.decode(Int.self, forKey: .version)
        if version > AppInfo.logSchemaVersion {
            throw LogDecodingError("schema version \(version) is newer than this app reads (\(AppInfo.logSchemaVersion))",
                                   newerSchema: true)
        }
        if version < 1 { throw LogDecodingError("schema version \(version) is not valid") }
        seq = try c.decode(Int.self, forKey: .seq)
        wallMs = try c.decode(Int64.self, forKey: .wallMs)
        monoMs = try c.decode(Int64.self, forKey: .monoMs)
        prev = try c.decode(String.self, forKey: .prev)
        let type = try c.decode(String.self, forKey: .type)
        event = try SessionEventCoding.decode(type: type, from: c, key: .data)
    }
}
