import Foundation
import OversightCore

/// Where a participant stands, as `oversight monitor` shows it.
public enum MonitorStatus: String, Sendable, Equatable, CaseIterable {
    /// A record was written within the idle threshold.
    case active
    /// No record for longer than the threshold, and neither quit nor finished.
    case idle
    /// The last session run ended with a `quit` record (it may be resumed later).
    case quit
    /// The log holds `session_end`.
    case finished
}

/// What the monitor knows of one session log: the records read so far, folded.
public struct MonitorTrack: Sendable, Equatable {
    /// The log's path.
    public var file: String
    /// From `session_start`; the file name (without `.jsonl`) until that record is read.
    public var participant: String
    public var simulated = false
    /// Questions planned per block (from `session_start`).
    public var planned: [Int] = []
    /// The question on screen or last shown (0-based block and index).
    public var block: Int?
    public var index: Int?
    /// Wall time (ms) the current question was first shown; nil once it is answered.
    public var questionSinceMs: Int64?
    /// Questions answered, as [block, index].
    public var answered: Set<[Int]> = []
    /// Wall time (ms) of the last record of any kind (heartbeats included).
    public var lastRecordMs: Int64?
    /// The type of the last record that is not a heartbeat, and its wall time.
    public var lastEvent: String?
    public var lastEventMs: Int64?
    public var quit = false
    public var finished = false
    /// Lines that could not be read as records (the rest of the log is still followed).
    public var badLines = 0

    public init(file: String) {
        self.file = file
        let name = (file as NSString).lastPathComponent
        participant = name.hasSuffix(".jsonl") ? String(name.dropLast(6)) : name
    }

    /// Folds one record in.
    public mutating func apply(_ record: LogRecord) {
        lastRecordMs = record.wallMs
        if record.event != .heartbeat {
            lastEvent = record.event.type
            lastEventMs = record.wallMs
        }
        switch record.event {
        case .sessionStart(let s):
            participant = s.participant
            simulated = s.simulated == true
            planned = s.blocks.map(\.questionIDs.count)
        case .sessionResume:
            quit = false
        case .questionShown(let q):
            // Shown again after a resume: the time on it runs on from the first showing.
            if q.block != block || q.index != index || questionSinceMs == nil {
                questionSinceMs = answered.contains([q.block, q.index]) ? nil : record.wallMs
            }
            block = q.block
            index = q.index
        case .submitted(let s):
            answered.insert([s.block, s.index])
            if s.block == block && s.index == index { questionSinceMs = nil }
        case .quit:
            quit = true
        case .sessionEnd:
            finished = true
            questionSinceMs = nil
        default:
            break
        }
    }

    /// The status at wall time `nowMs` with an idle threshold of `idleMs`.
    public func status(nowMs: Int64, idleMs: Int64) -> MonitorStatus {
        if finished { return .finished }
        if quit { return .quit }
        guard let last = lastRecordMs else { return .idle }
        return nowMs - last > idleMs ? .idle : .active
    }
}

/// One row of the monitor (screen, `--once` text and JSON alike).
public struct MonitorRow: Sendable, Equatable {
    public var participant: String
    public var status: MonitorStatus
    /// 1-based block and question within it; nil before the first question.
    public var block: Int?
    public var blocks: Int
    public var question: Int?
    public var questionsInBlock: Int?
    public var answers: Int
    public var planned: Int
    /// Seconds on the current (unanswered) question; nil when none is open or the session ended.
    public var secondsOnQuestion: Int?
    /// Seconds since the last record of any kind (nil when the log has none yet).
    public var secondsSinceLastEvent: Int?
    /// The last record that is not a heartbeat.
    public var lastEvent: String?
    public var secondsSinceLastNamedEvent: Int?
    public var badLines: Int
    public var simulated: Bool

    public init(_ t: MonitorTrack, nowMs: Int64, idleMs: Int64) {
        func seconds(_ since: Int64?) -> Int? { since.map { Int(max(0, nowMs - $0) / 1000) } }
        participant = t.participant
        status = t.status(nowMs: nowMs, idleMs: idleMs)
        block = t.block.map { $0 + 1 }
        blocks = t.planned.count
        question = t.index.map { $0 + 1 }
        questionsInBlock = t.block.flatMap { $0 < t.planned.count ? t.planned[$0] : nil }
        answers = t.answered.count
        planned = t.planned.reduce(0, +)
        secondsOnQuestion = status == .finished || status == .quit ? nil : seconds(t.questionSinceMs)
        secondsSinceLastEvent = seconds(t.lastRecordMs)
        lastEvent = t.lastEvent
        secondsSinceLastNamedEvent = seconds(t.lastEventMs)
        badLines = t.badLines
        simulated = t.simulated
    }
}
