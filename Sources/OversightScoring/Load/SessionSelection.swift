import Foundation
import OversightCore

/// Which sessions are scored, among the logs read: the rules, in order.
///
/// 1. The study: the most common study id, then the most common study hash within it; logs of
///    another study (or an edited study file) are skipped.
/// 1b. Real and simulated participants are scored apart unless both are asked for.
/// 2. One log per participant: a finished one, then the one with most answers, then the first
///    by path.
/// 3. One log per session id (a log copied under another participant's name), ranked the same way.
/// 4. A session started but without answers is not a participant.
/// 5. `--exclude` drops participants.
struct SessionSelection {
    var studyID: String
    var studyHash: String
    /// Per file (in the order given): scored or not.
    var keep: [Bool]
    /// Participants dropped by `--exclude`, in the order named.
    var excluded: [String]
    var warnings: [ScoreWarning]
    /// Sessions left out because they are simulated (or real) and `kinds` does not admit them.
    var leftOutSimulated = 0
    var leftOutReal = 0

    /// Apply the rules to the files read (nil: not read).
    static func select(_ files: [Merger.FileEntry?], exclude: [String],
                       kinds: ParticipantKinds = .real) -> SessionSelection {
        var warnings: [ScoreWarning] = []
        /// Logs of one participant or session, best first: finished, most answers, first by path.
        func rank(_ list: [Int]) -> [Int] {
            list.sorted { a, b in
                let fa = files[a], fb = files[b]
                let ea = fa?.ended ?? false, eb = fb?.ended ?? false
                if ea != eb { return ea }
                let na = fa?.answers ?? 0, nb = fb?.answers ?? 0
                if na != nb { return na > nb }
                return a < b
            }
        }
        // 1. The study: the most common study id, then the most common study hash within it.
        func mostCommon(_ values: [String]) -> String? {
            var counts: [String: Int] = [:]
            for v in values { counts[v, default: 0] += 1 }
            return counts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.first?.key
        }
        let entries = files.compactMap { $0 }
        let studyID = mostCommon(entries.compactMap { $0.start?.studyID }) ?? ""
        let studyHash = mostCommon(entries.compactMap { s in
            s.start.flatMap { $0.studyID == studyID ? $0.studyHash : nil }
        }) ?? ""
        var keep = [Bool](repeating: false, count: files.count)
        for (i, f) in files.enumerated() {
            guard let f, let s = f.start else { continue }
            if s.studyID != studyID {
                warnings.append(ScoreWarning(path: f.path, line: s.line, kind: .studyMismatch,
                    message: "session of study \"\(s.studyID)\", not \"\(studyID)\" (the study of most logs here); file skipped"))
            } else if s.studyHash != studyHash {
                warnings.append(ScoreWarning(path: f.path, line: s.line, kind: .studyMismatch,
                    message: "study hash \(s.studyHash.prefix(12))… differs from \(studyHash.prefix(12))… (the study file changed); file skipped"))
            } else {
                keep[i] = true
            }
        }

        // 1b. Real and simulated participants are scored apart unless both are asked for.
        var leftOutSimulated = 0, leftOutReal = 0
        for (i, f) in files.enumerated() where keep[i] {
            guard let s = f?.start, !kinds.admits(simulated: s.simulated) else { continue }
            keep[i] = false
            if s.simulated { leftOutSimulated += 1 } else { leftOutReal += 1 }
        }

        // 2. One log per participant: prefer a finished one, then the one with most answers,
        //    then the first by path.
        var byParticipant: [String: [Int]] = [:]
        for (i, f) in files.enumerated() where keep[i] {
            if let p = f?.start?.participant { byParticipant[p, default: []].append(i) }
        }
        for (p, list) in byParticipant where list.count > 1 {
            let ranked = rank(list)
            let kept = files[ranked[0]]?.path ?? ""
            for other in ranked.dropFirst() {
                keep[other] = false
                warnings.append(ScoreWarning(path: files[other]?.path, line: files[other]?.start?.line, kind: .duplicateParticipant,
                    message: "participant \(p) also has \(kept); this log is skipped, that one is scored"))
            }
        }

        // 2b. One log per session: a log copied under another participant's name keeps the
        //     session id of the original. Ranked as above; the warning names both files.
        var bySession: [String: [Int]] = [:]
        for (i, f) in files.enumerated() where keep[i] {
            if let id = f?.start?.sessionID { bySession[id, default: []].append(i) }
        }
        for (id, list) in bySession.sorted(by: { $0.key < $1.key }) where list.count > 1 {
            let ranked = rank(list)
            let kept = files[ranked[0]]
            for other in ranked.dropFirst() {
                keep[other] = false
                let o = files[other]
                warnings.append(ScoreWarning(path: o?.path, line: o?.start?.line, kind: .duplicateSession,
                    message: "session \(id) (participant \(o?.start?.participant ?? "?")) is also in \(kept?.path ?? "?") "
                        + "(participant \(kept?.start?.participant ?? "?")): one session in two files is scored once, "
                        + "as \(kept?.path ?? "?")"))
            }
        }

        // 2c. A session that was started but holds no answer (opened, then left) is not a
        //     participant: it is listed as such and counts nowhere.
        for (i, f) in files.enumerated() where keep[i] {
            guard let f, let s = f.start, f.answers == 0 else { continue }
            keep[i] = false
            warnings.append(ScoreWarning(path: f.path, line: s.line, kind: .noAnswers,
                message: "participant \(s.participant): started, no answers; not counted as a participant"))
        }

        // 3. Exclusions.
        var excluded: [String] = []
        for id in exclude {
            guard let list = byParticipant[id] else {
                warnings.append(ScoreWarning(path: nil, line: nil, kind: .exclusion,
                                             message: "--exclude \(id): no such participant in the scored logs"))
                continue
            }
            if !excluded.contains(id) { excluded.append(id) }
            for i in list { keep[i] = false }
        }

        return SessionSelection(studyID: studyID, studyHash: studyHash, keep: keep, excluded: excluded,
                                warnings: warnings, leftOutSimulated: leftOutSimulated, leftOutReal: leftOutReal)
    }
}
