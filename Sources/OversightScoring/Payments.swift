import Foundation
import OversightCore

/// Who to pay: one row per finished real participant, with the completion code from the log's
/// `session_end` record and a bonus per correct answer (`oversight score --payments`).
public enum Payments {
    /// One paid participant.
    public struct Row: Sendable, Equatable {
        public var participant: String
        public var completionCode: String
        /// Questions answered (one per question, however often the session was resumed).
        public var answers: Int
        public var correct: Int
        /// `correct` x the study's `bonus_per_correct`.
        public var bonus: Double
    }

    /// A session that is not paid, and why (printed on stderr).
    public struct Unpaid: Sendable, Equatable, CustomStringConvertible {
        public var path: String
        public var participant: String?
        public var reason: String
        public var description: String {
            "\(participant ?? "(unknown participant)") (\(path)): \(reason)"
        }
    }

    public struct Result: Sendable, Equatable {
        public var rows: [Row]
        /// Unfinished or damaged sessions of real participants.
        public var unpaid: [Unpaid]
        /// Sessions played by `oversight simulate`: never paid.
        public var simulated: Int
        /// Sessions logged under a study file whose hash differs from the one given for the bonus.
        public var otherStudyFile: [String]
    }

    /// Reads every log in `logs` (paths, with the scorer's scanner, at most `jobs` at a time)
    /// and decides who is paid. `studyHash`: the hash of the study file the bonus comes from, to
    /// flag sessions run with another version of it.
    public static func collect(logs: [String], bonusPerCorrect: Double, studyHash: String? = nil,
                               jobs: Int = ProcessInfo.processInfo.activeProcessorCount) -> Result {
        let paths = logs.sorted()
        let scans = ScanList(count: paths.count)
        ParallelWork.forEach(count: paths.count, jobs: jobs, local: { ReadBuffer() }) { buffer, i in
            let scan = SessionScanner.scan(path: paths[i], buffer: buffer)
            // Only what paying needs is kept, not every answer of every log.
            scans.set(i, Summary(path: scan.path, start: scan.start,
                                 damage: scan.warnings.first { Self.damage.contains($0.kind) },
                                 answers: scan.answers.count, correct: scan.answers.filter(\.correct).count,
                                 completionCode: scan.completionCode))
        }
        var result = Result(rows: [], unpaid: [], simulated: 0, otherStudyFile: [])
        var seenSessions = Set<String>()
        for scan in scans.all {
            let path = scan.path
            guard let start = scan.start else {
                result.unpaid.append(Unpaid(path: path, participant: nil, reason: "no session_start record"))
                continue
            }
            if start.simulated { result.simulated += 1; continue }
            guard seenSessions.insert(start.sessionID).inserted else { continue }  // a copy of a log
            if let damage = scan.damage {
                result.unpaid.append(Unpaid(path: path, participant: start.participant,
                                            reason: "damaged log, check by hand (\(damage))"))
                continue
            }
            let (answers, correct) = (scan.answers, scan.correct)
            guard let code = scan.completionCode else {
                result.unpaid.append(Unpaid(path: path, participant: start.participant,
                                            reason: "unfinished (\(answers) answer(s), no session_end)"))
                continue
            }
            if let studyHash, start.studyHash != studyHash { result.otherStudyFile.append(start.participant) }
            result.rows.append(Row(participant: start.participant, completionCode: code, answers: answers,
                                   correct: correct, bonus: Double(correct) * bonusPerCorrect))
        }
        result.rows.sort { $0.participant < $1.participant }
        return result
    }

    /// The CSV: a header, then one row per paid participant; the bonus with two decimals.
    /// What makes a log damaged for paying (a cut-off last line is not: it is a crash's trace).
    static let damage: Set<ScoreWarning.Kind> = [.corrupt, .newerSchema, .sequence, .chain, .unreadable]

    /// What paying takes from one log's scan.
    private struct Summary {
        var path: String
        var start: SessionStartInfo?
        var damage: ScoreWarning?
        var answers: Int
        var correct: Int
        var completionCode: String?
    }

    /// The logs' summaries, in path order, filled from the worker threads.
    private final class ScanList: @unchecked Sendable {
        private let lock = NSLock()
        private var scans: [Summary?]
        init(count: Int) { scans = Array(repeating: nil, count: count) }
        func set(_ i: Int, _ scan: Summary) { lock.withLock { scans[i] = scan } }
        var all: [Summary] { lock.withLock { scans.compactMap { $0 } } }
    }

    public static func csv(_ rows: [Row]) -> String {
        var out = "participant,completion_code,answers,correct,bonus\n"
        for r in rows {
            out += [CSVWriter.field(r.participant), CSVWriter.field(r.completionCode), String(r.answers), String(r.correct),
                    String(format: "%.2f", r.bonus)].joined(separator: ",") + "\n"
        }
        return out
    }
}
