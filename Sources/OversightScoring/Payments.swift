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

    /// Reads every log in `logs` (paths) and decides who is paid. `studyHash`: the hash of the
    /// study file the bonus comes from, to flag sessions run with another version of it.
    public static func collect(logs: [String], bonusPerCorrect: Double, studyHash: String? = nil) -> Result {
        var result = Result(rows: [], unpaid: [], simulated: 0, otherStudyFile: [])
        var seenSessions = Set<String>()
        for path in logs.sorted() {
            var start: SessionStart?
            var answered = Set<[Int]>()
            var correct = 0
            var code: String?
            let read = SessionLogReader.forEach(url: URL(fileURLWithPath: path)) { rec in
                switch rec.event {
                case .sessionStart(let s): if start == nil { start = s }
                case .submitted(let s):
                    if answered.insert([s.block, s.index]).inserted, s.correct { correct += 1 }
                case .sessionEnd(let c): code = c
                default: break
                }
            }
            guard let start else {
                result.unpaid.append(Unpaid(path: path, participant: nil, reason: "no session_start record"))
                continue
            }
            if start.simulated == true { result.simulated += 1; continue }
            guard seenSessions.insert(start.sessionID).inserted else { continue }  // a copy of a log
            if let damage = read.firstDamage {
                result.unpaid.append(Unpaid(path: path, participant: start.participant,
                                            reason: "damaged log, check by hand (\(damage))"))
                continue
            }
            guard let code else {
                result.unpaid.append(Unpaid(path: path, participant: start.participant,
                                            reason: "unfinished (\(answered.count) answer(s), no session_end)"))
                continue
            }
            if let studyHash, start.studyHash != studyHash { result.otherStudyFile.append(start.participant) }
            result.rows.append(Row(participant: start.participant, completionCode: code, answers: answered.count,
                                   correct: correct, bonus: Double(correct) * bonusPerCorrect))
        }
        result.rows.sort { $0.participant < $1.participant }
        return result
    }

    /// The CSV: a header, then one row per paid participant; the bonus with two decimals.
    public static func csv(_ rows: [Row]) -> String {
        var out = "participant,completion_code,answers,correct,bonus\n"
        for r in rows {
            out += [CSVWriter.field(r.participant), CSVWriter.field(r.completionCode), String(r.answers), String(r.correct),
                    String(format: "%.2f", r.bonus)].joined(separator: ",") + "\n"
        }
        return out
    }
}
