import Foundation

/// Which option the assistant advocated on one participant's question, as found after the
/// session (never in the participant's log): one line of a `stance-*.jsonl` file beside the
/// study's logs, written by `oversight stance` or coded by hand in the same format.
public struct StanceRecord: Codable, Sendable, Equatable {
    public var participant: String
    public var questionID: String
    /// The option 0...3 the assistant endorsed, nil when it endorsed none.
    public var stance: Int?
    /// How the stance was found: `model` (the study's provider read the transcript),
    /// `simulated` (the simulated assistant's own record), or a lab's own word (`hand`).
    public var method: String
    /// The model that read the transcript (`model` method), nil otherwise.
    public var model: String?

    public init(participant: String, questionID: String, stance: Int?, method: String, model: String?) {
        self.participant = participant
        self.questionID = questionID
        self.stance = stance
        self.method = method
        self.model = model
    }

    enum CodingKeys: String, CodingKey {
        case participant, questionID = "question_id", stance, method, model
    }

    /// One JSON line (no newline), every key written (`stance` and `model` as null when absent).
    public func line() -> String {
        func q(_ s: String) -> String {
            let data = (try? JSONEncoder().encode(s)) ?? Data("\"\"".utf8)
            return String(decoding: data, as: UTF8.self)
        }
        return "{\"participant\":\(q(participant)),\"question_id\":\(q(questionID)),\"stance\":"
            + (stance.map(String.init) ?? "null") + ",\"method\":\(q(method)),\"model\":"
            + (model.map(q) ?? "null") + "}"
    }
}

/// Reads stance files. Every line must be one object with the five keys; any other line is
/// an `InputError` naming the file and line (all of them are listed).
public enum StanceFile {
    /// File names of stance files in a study folder start with this.
    public static let prefix = "stance-"

    /// The records of the stance file at `path`. Throws `InputErrors` for an unreadable file or
    /// malformed lines; a last line cut short by an interrupted writer is an error too (the
    /// writer of `oversight stance` drops it before appending).
    public static func read(path: String) throws -> [StanceRecord] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw InputErrors([InputError(path: path, line: nil, "cannot read the stance file")])
        }
        return try parse(data, path: path)
    }

    /// Parse stance lines (see `read`).
    public static func parse(_ data: Data, path: String) throws -> [StanceRecord] {
        var records: [StanceRecord] = []
        var errors: [InputError] = []
        let text = String(decoding: data, as: UTF8.self)
        for (i, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty { continue }
            switch record(line) {
            case .success(let r): records.append(r)
            case .failure(let e): errors.append(InputError(path: path, line: i + 1, e.message))
            }
        }
        if !errors.isEmpty { throw InputErrors(errors) }
        return records
    }

    public struct Problem: Error, Sendable { public var message: String }

    /// One line as a record, or what is wrong with it.
    public static func record(_ line: String) -> Result<StanceRecord, Problem> {
        guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
            return .failure(Problem(message: "not a JSON object"))
        }
        let keys = ["participant", "question_id", "stance", "method", "model"]
        for k in object.keys.sorted() where !keys.contains(k) {
            return .failure(Problem(message: "unknown key \"\(Printable.escaped(k))\""))
        }
        for k in keys where object[k] == nil {
            return .failure(Problem(message: "missing key \"\(k)\""))
        }
        for k in ["participant", "question_id", "method"] where !(object[k] is String) {
            return .failure(Problem(message: "\"\(k)\" must be a string"))
        }
        let r: StanceRecord
        do {
            r = try JSONDecoder().decode(StanceRecord.self, from: Data(line.utf8))
        } catch {
            if let m = object["model"], !(m is NSNull), !(m is String) {
                return .failure(Problem(message: "\"model\" must be a string or null"))
            }
            return .failure(Problem(message: "\"stance\" must be 0, 1, 2, 3 or null"))
        }
        if r.participant.isEmpty || r.questionID.isEmpty || r.method.isEmpty {
            return .failure(Problem(message: "\"participant\", \"question_id\" and \"method\" must not be empty"))
        }
        if let st = r.stance, !(0...3).contains(st) {
            return .failure(Problem(message: "\"stance\" must be 0, 1, 2, 3 or null, not \(st)"))
        }
        return .success(r)
    }
}
