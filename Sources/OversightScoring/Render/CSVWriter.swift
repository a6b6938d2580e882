import Foundation
import OversightCore

/// Writes one CSV row per submitted answer (RFC 4180: CRLF line ends, a header row, fields
/// quoted when they hold a comma, quote, CR or LF, quotes doubled).
public enum CSVWriter {
    /// Column names, in order.
    public static let header = ["study", "participant", "session", "block", "task", "condition", "question_id",
                                "subject", "gold", "chosen", "confidence", "correct", "timed_out", "elapsed_ms",
                                "turns", "resets", "chars_sent", "assistant_provider", "assistant_model",
                                "consultant_option", "debater_a_option", "debater_b_option", "honest", "rounds",
                                "p_a", "p_b", "p_c", "p_d",
                                "initial_chosen", "initial_confidence", "stance"]

    /// Quote a field when RFC 4180 needs it.
    public static func field(_ s: String) -> String {
        if s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\r" || $0 == "\n" || $0 == "\r\n" }) {
            return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        return s
    }

    private static let letters = ["A", "B", "C", "D"]

    /// The consultancy and debate columns: each role's option (original letter), whether the
    /// consultant defended the gold, rounds heard and the final probabilities; empty otherwise.
    static func protocolColumns(_ a: Answer, _ d: Dataset) -> String {
        guard a.protocolIndex >= 0, Int(a.protocolIndex) < d.protocols.count else { return String(repeating: ",", count: 9) }
        let p = d.protocols[Int(a.protocolIndex)]
        func letter(_ role: ProtocolRole) -> String { p.option(of: role).map { letters[$0] } ?? "" }
        var row = "," + letter(.consultant) + "," + letter(.debaterA) + "," + letter(.debaterB)
        row += "," + (p.option(of: .consultant).map { $0 == Int(a.gold) ? "true" : "false" } ?? "")
        row += "," + String(p.rounds)
        for k in 0..<4 { row += "," + (p.probabilities.map { String(format: "%.2f", $0[k]) } ?? "") }
        return row
    }

    /// The CSV text for a dataset (blocks numbered from 1; gold and chosen as letters; empty
    /// when none; confidence in percent).
    public static func render(_ d: Dataset) -> String {
        var out = ""
        write(d) { out += $0 }
        return out
    }

    /// Write the CSV to a file, streaming it in chunks.
    public static func write(_ d: Dataset, to path: String) throws {
        guard FileManager.default.createFile(atPath: path, contents: nil),
              let handle = FileHandle(forWritingAtPath: path) else {
            throw ScoreInputError("\(path): cannot create the CSV file")
        }
        defer { try? handle.close() }
        var chunk = ""
        var failure: Error?
        write(d) { piece in
            chunk += piece
            if chunk.utf8.count >= 1 << 20, failure == nil {
                do { try handle.write(contentsOf: Data(chunk.utf8)) } catch { failure = error }
                chunk = ""
            }
        }
        if failure == nil {
            do { try handle.write(contentsOf: Data(chunk.utf8)) } catch { failure = error }
        }
        if let failure { throw ScoreInputError("\(path): cannot write the CSV file: \(failure.localizedDescription)") }
    }

    static func write(_ d: Dataset, _ emit: (String) -> Void) {
        emit(header.joined(separator: ",") + "\r\n")
        let study = field(d.studyID)
        let participants = d.participants.map(field)
        let sessions = d.sessions.map { field($0.sessionID) }
        // The session's assistant, on its assisted answers (empty on unaided ones).
        let assistants = d.sessions.map { "," + field($0.assistant.provider) + "," + field($0.assistant.model ?? "") }
        let items = d.items.map(field)
        let subjects = d.subjects.map(field)
        for a in d.answers {
            var row = study
            row += "," + participants[Int(a.participant)]
            row += "," + sessions[Int(a.session)]
            row += "," + String(a.block + 1)
            row += "," + a.task.rawValue
            row += "," + a.condition.rawValue
            row += "," + items[Int(a.item)]
            row += "," + subjects[Int(a.subject)]
            row += "," + letters[Int(a.gold)]
            row += "," + (a.choice >= 0 ? letters[Int(a.choice)] : "")
            row += "," + (a.confidence >= 0 ? String(a.confidence) : "")
            row += "," + (a.correct ? "true" : "false")
            row += "," + (a.timedOut ? "true" : "false")
            row += "," + String(a.elapsedMs)
            row += "," + String(a.turns)
            row += "," + String(a.resets)
            row += "," + String(a.charsSent)
            row += a.condition == .assisted || a.condition.isProtocol ? assistants[Int(a.session)] : ",,"
            row += protocolColumns(a, d)
            row += "," + (a.initialChoice >= 0 ? letters[Int(a.initialChoice)] : "")
            row += "," + (a.initialConfidence >= 0 ? String(a.initialConfidence) : "")
            row += "," + (a.stance >= 0 ? letters[Int(a.stance)] : a.stance == Answer.stanceNone ? "none" : "")
            emit(row + "\r\n")
        }
    }
}
