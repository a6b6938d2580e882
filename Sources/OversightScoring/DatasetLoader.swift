import Foundation
import OversightCore

/// Input the scorer cannot work with at all (no logs, unreadable folder): exit status 2.
public struct ScoreInputError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Finds, reads and merges session logs and baseline files into a `Dataset`.
public enum DatasetLoader {
    /// Session logs and baseline files found under a path.
    public struct Inputs: Sendable, Equatable {
        public var logs: [String]
        public var baselines: [String]
    }

    /// List the inputs at `path`: a study folder (`*.jsonl`, where `baseline-*.jsonl` are
    /// baseline files) or a single log file. Throws when there is no session log to score.
    public static func discover(path: String) throws -> Inputs {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
            throw ScoreInputError("\(path): no such file or folder")
        }
        if !isDir.boolValue { return Inputs(logs: [path], baselines: []) }
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: path).sorted()
        } catch {
            throw ScoreInputError("\(path): cannot list the folder: \(error.localizedDescription)")
        }
        var logs: [String] = []
        var baselines: [String] = []
        var subfolders: [String] = []
        for name in names {
            let full = (path as NSString).appendingPathComponent(name)
            var sub: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: full, isDirectory: &sub)
            if sub.boolValue {
                subfolders.append(name)
            } else if name.hasSuffix(".jsonl"), name != Assignments.fileName {
                if name.hasPrefix("baseline-") { baselines.append(full) } else { logs.append(full) }
            }
        }
        if logs.isEmpty {
            let withLogs = subfolders.filter { sub in
                let p = (path as NSString).appendingPathComponent(sub)
                let inner = (try? FileManager.default.contentsOfDirectory(atPath: p)) ?? []
                return inner.contains { $0.hasSuffix(".jsonl") && !$0.hasPrefix("baseline-") }
            }
            if !withLogs.isEmpty {
                throw ScoreInputError("\(path): no session logs here; name one study folder: "
                    + withLogs.map { (path as NSString).appendingPathComponent($0) }.joined(separator: ", "))
            }
            throw ScoreInputError("\(path): no session logs (*.jsonl) to score")
        }
        return Inputs(logs: logs, baselines: baselines)
    }

    /// Read every log (concurrently, at most `jobs` at a time) and baseline file, and decide
    /// which sessions are scored. Never throws on bad content: problems become warnings.
    /// A log with a broken hash link is scored only up to the record before the break, unless
    /// `keepDamaged`; two logs of one session (same `session_id`) are scored once.
    public static func load(logs: [String], baselines: [String], exclude: [String] = [],
                            jobs: Int = ProcessInfo.processInfo.activeProcessorCount,
                            keepDamaged: Bool = false, kinds: ParticipantKinds = .real) -> Dataset {
        let paths = logs.sorted()
        let merger = Merger(fileCount: paths.count)
        let workers = max(1, min(jobs, paths.count))
        let next = Counter()
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            let buffer = ReadBuffer()
            while true {
                let i = next.take()
                guard i < paths.count else { return }
                let scan = SessionScanner.scan(path: paths[i], buffer: buffer, keepDamaged: keepDamaged)
                merger.add(scan, index: i)
            }
        }
        return merger.finish(baselines: baselines, exclude: exclude, kinds: kinds)
    }
}

/// A shared counter handing out work items.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0
    func take() -> Int {
        lock.lock()
        defer { lock.unlock() }
        let v = value
        value += 1
        return v
    }
}

struct ItemKey: Hashable {
    var task: TaskKind
    var id: String
}

/// Collects scans as they finish (under a lock), interning strings so only compact answers
/// are kept, then decides what is scored.
final class Merger: @unchecked Sendable {
    private let lock = NSLock()
    private var itemIndex: [ItemKey: Int32] = [:]
    private var items: [ItemKey] = []
    private var subjectIndex: [String: Int32] = [:]
    private var subjects: [String] = []
    private var files: [FileEntry?]
    private var answers: [Answer] = []
    private var ttft: [Int32] = []

    struct FileEntry {
        var path: String
        var start: SessionStartInfo?
        var ended: Bool
        var bytes: Int
        var answers: Int
        var warnings: [ScoreWarning]
        /// Records past a broken hash link were kept (`keepDamaged`).
        var keptPastBreak: Bool
    }

    init(fileCount: Int) {
        files = Array(repeating: nil, count: fileCount)
    }

    private func item(_ key: ItemKey) -> Int32 {
        if let i = itemIndex[key] { return i }
        let i = Int32(items.count)
        items.append(key)
        itemIndex[key] = i
        return i
    }

    private func subject(_ s: String) -> Int32 {
        if let i = subjectIndex[s] { return i }
        let i = Int32(subjects.count)
        subjects.append(s)
        subjectIndex[s] = i
        return i
    }

    func add(_ scan: SessionScan, index: Int) {
        lock.lock()
        defer { lock.unlock() }
        var warnings = scan.warnings
        var offScale: RawAnswer?
        var offScaleCount = 0
        for a in scan.answers {
            let start = Int32(clamping: ttft.count)
            for t in a.ttftMs { ttft.append(Int32(clamping: t)) }
            if let c = a.confidence, let s = scan.start, !s.scale.isEmpty, !s.scale.contains(c) {
                offScaleCount += 1
                if offScale == nil { offScale = a }
            }
            answers.append(Answer(
                participant: -1, session: Int32(index), item: item(ItemKey(task: a.task, id: a.questionID)),
                subject: subject(a.subject), block: Int32(clamping: a.block), index: Int32(clamping: a.index),
                task: a.task, condition: a.condition, choice: Int8(a.choice ?? -1),
                confidence: Int16(a.confidence ?? -1), gold: Int8(a.gold), correct: a.correct,
                timedOut: a.timedOut, elapsedMs: a.elapsedMs, turns: Int32(clamping: a.turns),
                resets: Int32(clamping: a.resets), charsSent: Int32(clamping: a.charsSent), ttftStart: start,
                ttftCount: Int32(clamping: a.ttftMs.count), line: Int32(clamping: a.line)))
        }
        if let a = offScale, let c = a.confidence {
            warnings.append(ScoreWarning(path: scan.path, line: a.line, kind: .scale,
                message: "confidence \(c)% is not on the session's scale (\(offScaleCount) answer(s)); binned to the nearest scale value"))
        }
        if scan.start == nil {
            warnings.append(ScoreWarning(path: scan.path, line: nil, kind: .noStart,
                                         message: "no readable session_start record; file skipped"))
        } else if scan.answers.isEmpty {
            // Said once, as "started, no answers", when the dataset is put together.
            warnings.removeAll { $0.kind == .unfinished }
        }
        files[index] = FileEntry(path: scan.path, start: scan.start, ended: scan.ended, bytes: scan.bytes,
                                 answers: scan.answers.count, warnings: warnings,
                                 keptPastBreak: scan.brokenLink != nil && scan.droppedRecords == 0)
    }

    // swiftlint:disable:next function_body_length
    func finish(baselines: [String], exclude: [String], kinds: ParticipantKinds = .real) -> Dataset {
        lock.lock()
        defer { lock.unlock() }
        var warnings: [ScoreWarning] = []
        let entries = files.compactMap { $0 }
        for e in entries { warnings.append(contentsOf: e.warnings) }
        var bytesRead = 0
        for e in entries { bytesRead += e.bytes }

        // 1. The study: the most common study id, then the most common study hash within it.
        func mostCommon(_ values: [String]) -> String? {
            var counts: [String: Int] = [:]
            for v in values { counts[v, default: 0] += 1 }
            return counts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.first?.key
        }
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
            let ranked = list.sorted { a, b in
                let fa = files[a], fb = files[b]
                let ea = fa?.ended ?? false, eb = fb?.ended ?? false
                if ea != eb { return ea }
                let na = fa?.answers ?? 0, nb = fb?.answers ?? 0
                if na != nb { return na > nb }
                return a < b
            }
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
            let ranked = list.sorted { a, b in
                let fa = files[a], fb = files[b]
                let ea = fa?.ended ?? false, eb = fb?.ended ?? false
                if ea != eb { return ea }
                let na = fa?.answers ?? 0, nb = fb?.answers ?? 0
                if na != nb { return na > nb }
                return a < b
            }
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

        // 4. Tables of what is kept.
        var participantIDs = Set<String>()
        var sessionOrder: [Int] = []
        for (i, f) in files.enumerated() where keep[i] {
            if let s = f?.start {
                participantIDs.insert(s.participant)
                sessionOrder.append(i)
            }
        }
        let participants = participantIDs.sorted()
        let participantIndex = Dictionary(uniqueKeysWithValues: participants.enumerated().map { ($1, Int32($0)) })
        var sessionIndex = [Int32](repeating: -1, count: files.count)
        var sessions: [SessionInfo] = []
        var scales: [[Int]] = []
        for i in sessionOrder {
            guard let f = files[i], let s = f.start else { continue }
            sessionIndex[i] = Int32(sessions.count)
            sessions.append(SessionInfo(path: f.path, participant: s.participant, sessionID: s.sessionID,
                                        studyHash: s.studyHash, completed: f.ended, planned: s.planned,
                                        scale: s.scale, bytes: f.bytes, assistant: s.assistant, simulated: s.simulated,
                                        arm: s.arm))
            if !s.scale.isEmpty && !scales.contains(s.scale) { scales.append(s.scale) }
        }
        var scale = Statistics.defaultScale
        if let first = scales.first {
            scale = first
            if scales.count > 1 {
                scale = Array(Set(scales.flatMap { $0 })).sorted()
                warnings.append(ScoreWarning(path: nil, line: nil, kind: .scale,
                    message: "sessions use different confidence scales (\(scales.map { "\($0)" }.joined(separator: ", "))); calibration bins at \(scale)"))
            }
        }

        // 5. Baselines (they may add items).
        var models: [ModelRun] = []
        for path in baselines {
            let (runs, w) = BaselineLoader.load(path: path) { key in self.item(key) }
            models.append(contentsOf: runs)
            warnings.append(contentsOf: w)
        }

        // 6. Keep and re-index the answers; sort items by task then id.
        var usedItems = [Bool](repeating: false, count: items.count)
        var kept: [Answer] = []
        kept.reserveCapacity(answers.count)
        for var a in answers {
            let s = Int(a.session)
            guard keep[s], let p = files[s]?.start?.participant, let pi = participantIndex[p] else { continue }
            a.participant = pi
            a.session = sessionIndex[s]
            usedItems[Int(a.item)] = true
            kept.append(a)
        }
        answers = []
        for m in models { for a in m.answers { usedItems[Int(a.item)] = true } }
        let order = items.indices.filter { usedItems[$0] }.sorted {
            items[$0].task != items[$1].task ? items[$0].task < items[$1].task : items[$0].id < items[$1].id
        }
        var remap = [Int32](repeating: -1, count: items.count)
        for (n, old) in order.enumerated() { remap[old] = Int32(n) }
        for k in kept.indices { kept[k].item = remap[Int(kept[k].item)] }
        for m in models.indices {
            for k in models[m].answers.indices { models[m].answers[k].item = remap[Int(models[m].answers[k].item)] }
        }
        kept.sort { a, b in
            if a.participant != b.participant { return a.participant < b.participant }
            if a.session != b.session { return a.session < b.session }
            if a.block != b.block { return a.block < b.block }
            if a.index != b.index { return a.index < b.index }
            return a.line < b.line
        }
        let keptDamaged = sessionOrder.compactMap { i in files[i].flatMap { $0.keptPastBreak ? $0.path : nil } }
        return Dataset(studyID: studyID, studyHash: studyHash, scale: scale, sessions: sessions,
                       participants: participants, items: order.map { items[$0].id },
                       itemTasks: order.map { items[$0].task }, subjects: subjects, answers: kept, ttftMs: ttft,
                       models: models, excluded: excluded, warnings: warnings, filesRead: entries.count,
                       bytesRead: bytesRead, keptDamaged: keptDamaged, leftOutSimulated: leftOutSimulated,
                       leftOutReal: leftOutReal)
    }
}

/// A short reason from a decoding error (no Swift type dumps).
func describe(_ error: Error) -> String {
    switch error {
    case DecodingError.keyNotFound(let key, _): return "missing field \"\(key.stringValue)\""
    case DecodingError.typeMismatch(_, let ctx), DecodingError.valueNotFound(_, let ctx):
        return "wrong type for \"\(ctx.codingPath.map(\.stringValue).joined(separator: "."))\""
    case DecodingError.dataCorrupted(let ctx):
        if ctx.codingPath.isEmpty { return "invalid JSON" }
        return "invalid value for \"\(ctx.codingPath.map(\.stringValue).joined(separator: "."))\""
    default: return "invalid JSON"
    }
}

/// Reads baseline result files (JSONL of `BaselineResult`) into model runs.
enum BaselineLoader {
    /// Runs in order of first appearance, one per (convention, shots, provider, model, task).
    static func load(path: String, item: (ItemKey) -> Int32) -> ([ModelRun], [ScoreWarning]) {
        var warnings: [ScoreWarning] = []
        guard let data = FileManager.default.contents(atPath: path) else {
            return ([], [ScoreWarning(path: path, line: nil, kind: .baseline, message: "cannot read the baseline file; skipped")])
        }
        struct Key: Hashable {
            var convention: String, shots: Int, provider: String, model: String, task: TaskKind
        }
        var runs: [ModelRun] = []
        var runIndex: [Key: Int] = [:]
        var seen: [Key: Set<String>] = [:]
        let decoder = JSONDecoder()
        var lineNo = 0
        var listed = 0
        var start = data.startIndex
        func warn(_ line: Int, _ message: String) {
            listed += 1
            if listed <= 10 { warnings.append(ScoreWarning(path: path, line: line, kind: .baseline, message: message)) }
        }
        while start < data.endIndex {
            let nl = data[start...].firstIndex(of: 0x0A) ?? data.endIndex
            let lineData = data[start..<nl]
            start = nl < data.endIndex ? nl + 1 : nl
            lineNo += 1
            if lineData.allSatisfy({ $0 == 0x20 || $0 == 0x0D || $0 == 0x09 }) { continue }
            let r: BaselineResult
            do {
                r = try decoder.decode(BaselineResult.self, from: lineData)
            } catch {
                warn(lineNo, "not a valid baseline result (\(describe(error))); skipped")
                continue
            }
            if let p = r.predicted, !(0...3).contains(p) {
                warn(lineNo, "predicted \(p) is not 0...3; skipped")
                continue
            }
            guard (0...3).contains(r.gold), (r.predicted == r.gold) == r.correct else {
                warn(lineNo, "\"correct\" disagrees with predicted and gold; skipped")
                continue
            }
            let key = Key(convention: r.convention, shots: r.shots, provider: r.provider, model: r.model, task: r.task)
            if seen[key, default: []].contains(r.questionID) {
                warn(lineNo, "question \(r.questionID) appears twice in one run; the first is kept")
                continue
            }
            seen[key, default: []].insert(r.questionID)
            var confidence: Double?
            if let probs = r.letterProbabilities, probs.count == 4, let p = r.predicted {
                let total = probs.reduce(0, +)
                if total > 0, probs.allSatisfy({ $0 >= 0 && $0.isFinite }) { confidence = probs[p] / total }
            }
            let answer = ModelAnswer(item: item(ItemKey(task: r.task, id: r.questionID)), correct: r.correct,
                                     confidence: confidence)
            if let i = runIndex[key] {
                runs[i].answers.append(answer)
            } else {
                runIndex[key] = runs.count
                runs.append(ModelRun(path: path, convention: r.convention, shots: r.shots, provider: r.provider,
                                     model: r.model, task: r.task, answers: [answer]))
            }
        }
        if listed > 10 {
            warnings.append(ScoreWarning(path: path, line: nil, kind: .baseline, message: "\(listed - 10) more bad line(s) not listed"))
        }
        if runs.isEmpty && listed == 0 {
            warnings.append(ScoreWarning(path: path, line: nil, kind: .baseline, message: "the baseline file holds no results"))
        }
        return (runs, warnings)
    }
}
