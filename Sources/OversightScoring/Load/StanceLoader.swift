import Foundation
import OversightCore

/// Puts the assistant's stance from stance files (`stance-*.jsonl`, written by
/// `oversight stance` or coded by hand) on the assisted answers of a dataset.
public enum StanceLoader {
    /// Read the stance files at `paths` (in name order) and set `Answer.stance` on the assisted
    /// answers they name. Throws `InputErrors` (file and line) for a malformed line. When two
    /// records give different stances for one participant and question, the first file's is
    /// kept and a warning says so; records of answers not scored are ignored.
    public static func apply(paths: [String], to d: inout Dataset) throws {
        var records: [(path: String, record: StanceRecord)] = []
        var errors: [InputError] = []
        for path in paths.sorted() {
            do {
                records += try StanceFile.read(path: path).map { (path, $0) }
            } catch let e as InputErrors {
                errors += e.errors
            }
        }
        if !errors.isEmpty { throw InputErrors(errors) }
        d.warnings += apply(records, to: &d)
    }

    /// Set the stances of `records` (first one wins) and return the warnings.
    static func apply(_ records: [(path: String, record: StanceRecord)], to d: inout Dataset) -> [ScoreWarning] {
        var participant: [String: Int32] = [:]
        for (i, p) in d.participants.enumerated() { participant[p] = Int32(i) }
        var items: [String: [Int32]] = [:]
        for (i, id) in d.items.enumerated() { items[id, default: []].append(Int32(i)) }
        struct Key: Hashable { var p: Int32; var item: Int32 }
        var chosen: [Key: (stance: Int8, path: String)] = [:]
        var conflicts = 0
        var firstConflict: String?
        for (path, r) in records {
            guard let p = participant[r.participant], let its = items[r.questionID] else { continue }
            let stance = Int8(r.stance ?? Int(Answer.stanceNone))
            for item in its {
                let key = Key(p: p, item: item)
                if let before = chosen[key] {
                    if before.stance != stance {
                        conflicts += 1
                        if firstConflict == nil {
                            firstConflict = "participant \(r.participant), question \(r.questionID): \(before.path) and \(path)"
                        }
                    }
                    continue
                }
                chosen[key] = (stance, path)
            }
        }
        for k in d.answers.indices where d.answers[k].condition == .assisted {
            let a = d.answers[k]
            if let s = chosen[Key(p: a.participant, item: a.item)] { d.answers[k].stance = s.stance }
        }
        guard let firstConflict else { return [] }
        return [ScoreWarning(path: nil, line: nil, kind: .stance,
            message: "stance files disagree on \(conflicts) question(s) (first: \(firstConflict)); the first file's stance is used")]
    }
}
