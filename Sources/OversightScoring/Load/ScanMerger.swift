import Foundation
import OversightCore

/// A question of a task, as the scorer keys items.
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
    /// Consultancy and debate data of the answers (`Answer.protocolIndex`).
    private var protocols: [ProtocolAnswer] = []

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
                ttftCount: Int32(clamping: a.ttftMs.count), line: Int32(clamping: a.line),
                initialChoice: Int8(a.initialChoice ?? -1), initialConfidence: Int16(a.initialConfidence ?? -1)))
            if let p = a.protocolData {
                // Under consultancy the assistant's stance is known: the option it was assigned.
                if a.condition == .consultancy, let o = p.option(of: .consultant), (0...3).contains(o) {
                    answers[answers.count - 1].stance = Int8(o)
                }
                answers[answers.count - 1].protocolIndex = Int32(protocols.count)
                protocols.append(p)
            }
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

        let selection = SessionSelection.select(files, exclude: exclude, kinds: kinds)
        warnings.append(contentsOf: selection.warnings)
        let (studyID, studyHash, excluded) = (selection.studyID, selection.studyHash, selection.excluded)
        let keep = selection.keep

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
                                        scale: s.scale, bytes: f.bytes, assistant: s.assistant,
                                        simulated: s.simulated, arm: s.arm))
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
                       bytesRead: bytesRead, keptDamaged: keptDamaged, leftOutSimulated: selection.leftOutSimulated,
                       leftOutReal: selection.leftOutReal, protocols: protocols)
    }
}

