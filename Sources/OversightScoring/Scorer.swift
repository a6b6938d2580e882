import Foundation
import OversightCore

/// Settings of a scoring run.
public struct ScoreOptions: Sendable {
    /// Seed of the bootstrap; the same seed gives the same intervals.
    public var seed: UInt64 = 1
    /// Bootstrap resamples (the CLI insists on at least 2,000).
    public var resamples: Int = 2000
    /// Threads for the bootstrap.
    public var jobs: Int = ProcessInfo.processInfo.activeProcessorCount
    public var outlierRule = Statistics.OutlierRule()

    /// Default settings.
    public init() {}
}

/// Turns a `Dataset` into a `ScoreReport`: the Table-1 rows per task, differences, per
/// participant and per block tables.
public enum Scorer {
    /// Score a dataset.
    public static func score(_ d: Dataset, options: ScoreOptions = ScoreOptions()) -> ScoreReport {
        var warnings = d.warnings
        let assistants = assistantsOfAssistedAnswers(d)
        if assistants.count > 1 {
            let counts = assistants.map { a -> String in
                let n = Set(d.answers.filter { $0.condition == .assisted && d.sessions[Int($0.session)].assistant == a }
                    .map(\.participant)).count
                return "\(a.label): \(n) participant(s)"
            }
            warnings.append(ScoreWarning(path: nil, line: nil, kind: .mixedAssistants,
                message: "the sessions used \(assistants.count) different assistants (\(counts.joined(separator: "; "))); each has its own human + model rows, they are not pooled"))
        }
        var tasks: [TaskReport] = []
        for task in TaskKind.allCases {
            if let t = scoreTask(task, d, options, assistants: assistants, &warnings) { tasks.append(t) }
        }
        var (rows, flagWarnings) = participantRows(d, options.outlierRule)
        Reliance.attach(to: &rows, d)
        warnings.append(contentsOf: flagWarnings)
        let balance = Balance.report(d)
        if let w = balance?.1 { warnings.append(w) }
        var report = ScoreReport(studyID: d.studyID, studyHash: d.studyHash, seed: options.seed,
                           resamples: options.resamples, scale: d.scale, sessions: d.sessions.count,
                           participants: d.participants.count, excluded: d.excluded, tasks: tasks,
                           participantRows: rows, blocks: blockRows(d, assistants: assistants), warnings: warnings,
                           flagRule: options.outlierRule.description, keptDamaged: d.keptDamaged)
        report.balance = balance?.0
        return report
    }

    // MARK: - Task rows

    /// The assistants that assisted answers were given with, sorted (empty without assisted answers).
    static func assistantsOfAssistedAnswers(_ d: Dataset) -> [AssistantName] {
        var seen = Set<AssistantName>()
        var lastSession: Int32 = -1
        for a in d.answers where a.condition == .assisted && a.session != lastSession {
            lastSession = a.session
            seen.insert(d.sessions[Int(a.session)].assistant)
        }
        return seen.sorted()
    }

    private static func scoreTask(_ task: TaskKind, _ d: Dataset, _ o: ScoreOptions, assistants: [AssistantName],
                                  _ warnings: inout [ScoreWarning]) -> TaskReport? {
        guard let lo = d.itemTasks.firstIndex(of: task) else { return nil }
        let hi = d.itemTasks.lastIndex(of: task).map { $0 + 1 } ?? lo
        let itemCount = hi - lo
        var gold = [Int8](repeating: 0, count: itemCount)
        var localP: [Int32: Int32] = [:]
        var taskAnswers: [Answer] = []
        var goldSet = [Bool](repeating: false, count: itemCount)
        var goldConflicts = 0
        var firstConflict: Answer?
        for a in d.answers where a.task == task {
            taskAnswers.append(a)
            let i = Int(a.item) - lo
            if !goldSet[i] {
                gold[i] = a.gold
                goldSet[i] = true
            } else if gold[i] != a.gold {
                goldConflicts += 1
                if firstConflict == nil { firstConflict = a }
            }
            if localP[a.participant] == nil { localP[a.participant] = Int32(localP.count) }
        }
        if let a = firstConflict {
            warnings.append(ScoreWarning(path: d.sessions[Int(a.session)].path, line: Int(a.line), kind: .statistics,
                message: "question \(d.items[Int(a.item)]) has a different gold answer than in an earlier log (\(goldConflicts) answer(s)); each answer keeps its own correctness, the vote uses the first gold"))
        }
        let models = d.models.filter { $0.task == task }
        if taskAnswers.isEmpty && models.isEmpty { return nil }

        // Group 0: unaided; group 1 + k: assisted with assistant k; then consultancy and debate
        // (those present), whatever their assistant.
        let firstProtocolGroup = 1 + max(assistants.count, 1)
        let protocols = [Condition.consultancy, .debate].filter { c in taskAnswers.contains { $0.condition == c } }
        let groupCount = firstProtocolGroup + protocols.count
        let groupOfAssistant = Dictionary(uniqueKeysWithValues: assistants.enumerated().map { ($1, 1 + $0) })
        let groupOfProtocol = Dictionary(uniqueKeysWithValues: protocols.enumerated().map { ($1, firstProtocolGroup + $0) })
        func group(_ a: Answer) -> Int {
            if a.condition == .unaided { return 0 }
            if let g = groupOfProtocol[a.condition] { return g }
            return groupOfAssistant[d.sessions[Int(a.session)].assistant] ?? 1
        }
        var problem = BootstrapProblem(participants: max(localP.count, 1), items: itemCount, gold: gold,
                                       groups: groupCount)
        var voteSeen = [[Bool]](repeating: [Bool](repeating: false, count: itemCount), count: groupCount)
        for a in taskAnswers {
            let c = group(a)
            let p = localP[a.participant] ?? 0
            let i = Int32(Int(a.item) - lo)
            problem.answerP[c].append(p)
            problem.answerI[c].append(i)
            problem.answerC[c].append(a.correct ? 1 : 0)
            if !voteSeen[c][Int(i)] {
                voteSeen[c][Int(i)] = true
                problem.voteItems[c].append(i)
            }
            // Every answer gets a ballot; a uniform one (no answer, timed out) weighs 0.
            let w = ballotWeight(a)
            problem.ballotP[c].append(p)
            problem.ballotI[c].append(i)
            problem.ballotChoice[c].append(w == nil ? 0 : Int32(a.choice))
            problem.ballotWeight[c].append(w ?? 0)
        }
        var humanItems = Set<Int32>()
        for a in taskAnswers { humanItems.insert(a.item) }
        // Strata: items answered only unaided, only assisted, in both, and by models only.
        var kind = [UInt8](repeating: 0, count: itemCount)
        for a in taskAnswers { kind[Int(a.item) - lo] |= a.condition == .unaided ? 1 : 2 }
        problem.strata = [[], [], [], []]
        for i in 0..<itemCount { problem.strata[kind[i] == 0 ? 3 : Int(kind[i]) - 1].append(Int32(i)) }
        for m in models {
            problem.modelI.append(m.answers.map { Int32(Int($0.item) - lo) })
            problem.modelC.append(m.answers.map { $0.correct ? 1 : 0 })
        }
        let result = problem.run(resamples: o.resamples, seed: o.seed, label: task.rawValue, jobs: o.jobs)
        // Vote statistics use the re-centred spread, the others the BC percentile interval;
        // accuracies are clamped to 0...1.
        func interval(_ s: Statistic) -> (Double, Double)? {
            let point = result.point(s)
            guard !result.replicates.isEmpty, point.isFinite else { return nil }
            if s.isVote {
                return Statistics.recenteredInterval(result.replicates(s), estimate: point).map(Statistics.clampedToUnit)
            }
            return Statistics.biasCorrectedInterval(result.replicates(s), estimate: point)
        }

        func assistant(_ c: Int) -> AssistantName? {
            c == 0 || c > assistants.count ? nil : assistants[c - 1]
        }
        var rows: [ConditionRow] = []
        for c in 0..<groupCount where !problem.answerP[c].isEmpty {
            if c >= firstProtocolGroup {
                let cond = protocols[c - firstProtocolGroup]
                rows.append(protocolRow(cond, taskAnswers.filter { group($0) == c }, d, scale: d.scale,
                                        accuracy: result.point(.accuracy(group: c)), ci: interval(.accuracy(group: c))))
                rows[rows.count - 1].reliance = Reliance.stats(taskAnswers.filter { group($0) == c }, resamples: o.resamples,
                                                               seed: o.seed, label: "reliance/\(task.rawValue)/\(c)", jobs: o.jobs)
                continue
            }
            rows.append(individualRow(c == 0 ? .unaided : .assisted, taskAnswers.filter { group($0) == c }, d.scale,
                                      assistant: assistant(c), itemCount: d.items.count,
                                      participants: d.participants.count,
                                      accuracy: result.point(.accuracy(group: c)), ci: interval(.accuracy(group: c))))
            if c != Statistic.unaided {
                rows[rows.count - 1].reliance = Reliance.stats(taskAnswers.filter { group($0) == c }, resamples: o.resamples,
                                                               seed: o.seed, label: "reliance/\(task.rawValue)/\(c)", jobs: o.jobs)
            }
        }
        for c in 0..<firstProtocolGroup where !problem.answerP[c].isEmpty {
            rows.append(voteRow(c == 0 ? .unaided : .assisted, taskAnswers.filter { group($0) == c }, d.scale,
                                assistant: assistant(c), items: d.items.count, participants: d.participants.count,
                                accuracy: result.point(.voteAccuracy(group: c)), ci: interval(.voteAccuracy(group: c))))
        }
        for (m, run) in models.enumerated() {
            rows.append(modelRow(run, d.scale, humanItems: humanItems, accuracy: result.point(.model(m)),
                                 ci: interval(.model(m))))
        }

        var diffs: [DifferenceRow] = []
        /// a - b, with the vote's interval when both are votes.
        func difference(_ name: String, _ a: Statistic, _ b: Statistic) {
            let pa = result.point(a), pb = result.point(b)
            guard pa.isFinite, pb.isFinite else { return }
            let est = pa - pb
            var ci: (Double, Double)?
            if !result.replicates.isEmpty {
                let r = zip(result.replicates(a), result.replicates(b)).map { $0 - $1 }
                ci = (a.isVote && b.isVote ? Statistics.recenteredInterval(r, estimate: est)
                    : Statistics.biasCorrectedInterval(r, estimate: est)).map { (max(-1, $0.0), min(1, $0.1)) }
            }
            diffs.append(DifferenceRow(name: name, estimate: est, ci95: ci))
        }
        // With several assistants each gets its own differences, named after it.
        for c in 1..<firstProtocolGroup {
            let tag = assistants.count > 1 ? " (\(assistant(c)?.label ?? ""))" : ""
            difference("assisted\(tag) - unaided", .accuracy(group: c), .accuracy(group: Statistic.unaided))
            difference("assisted_vote\(tag) - unaided_vote", .voteAccuracy(group: c),
                       .voteAccuracy(group: Statistic.unaided))
            for (m, run) in models.enumerated() {
                difference("assisted\(tag) - \(run.label)", .accuracy(group: c), .model(m))
            }
        }

        for (k, cond) in protocols.enumerated() {
            difference("\(cond.rawValue) - unaided", .accuracy(group: firstProtocolGroup + k), .accuracy(group: Statistic.unaided))
        }
        if let c = groupOfProtocol[.consultancy], let g = groupOfProtocol[.debate] {
            difference("debate - consultancy", .accuracy(group: g), .accuracy(group: c))
        }
        // Human judges against the model judging the same protocol.
        for (m, run) in models.enumerated() {
            guard let judged = run.judgedCondition, let g = groupOfProtocol[judged] else { continue }
            difference("\(judged.rawValue) - \(run.label)", .accuracy(group: g), .model(m))
        }
        // An interval that misses its own estimate means the bootstrap is badly skewed: say so.
        for r in rows {
            if let ci = r.ci95, r.accuracy < ci.0 - 1e-9 || r.accuracy > ci.1 + 1e-9 {
                warnings.append(ScoreWarning(path: nil, line: nil, kind: .statistics,
                    message: "\(task.rawValue) \(r.label): the bootstrap interval does not contain the estimate (strongly skewed resamples); read it with care"))
            }
        }
        return TaskReport(task: task, rows: rows, differences: diffs)
    }

    /// The vote weight of an answer, or nil when it counts as uniform (no choice, no
    /// confidence, or timed out).
    static func ballotWeight(_ a: Answer) -> Double? {
        guard a.choice >= 0, a.confidence >= 0, !a.timedOut else { return nil }
        return Statistics.voteWeight(confidence: Double(a.confidence) / 100)
    }

    /// `human + model (local / m)`: the paper's name for the condition and the assistant.
    static func assistedLabel(_ assistant: AssistantName?) -> String {
        assistant.map { "human + model (\($0.label))" } ?? "human + model"
    }

    private static func individualRow(_ cond: Condition, _ answers: [Answer], _ scale: [Int], assistant: AssistantName?,
                                      itemCount: Int, participants: Int, accuracy: Double,
                                      ci: (Double, Double)?) -> ConditionRow {
        var cal = Statistics.CalibrationAccumulator(scale: scale)
        var ps = Distinct(participants), items = Distinct(itemCount)
        for a in answers {
            ps.insert(Int(a.participant))
            items.insert(Int(a.item))
            if a.hasConfidence { cal.add(confidence: Double(a.confidence) / 100, credit: a.correct ? 1 : 0) }
        }
        return ConditionRow(condition: cond.rawValue, label: cond == .unaided ? "unaided human" : assistedLabel(assistant),
                            answers: answers.count, participants: ps.count, items: items.count, accuracy: accuracy,
                            ci95: ci, calibrationError: cal.calibrationError, brier: cal.brier,
                            meanConfidence: cal.meanConfidence, bins: bins(cal), model: nil, assistant: assistant)
    }

    /// A consultancy or debate row: accuracy with its interval, plus the protocol columns.
    private static func protocolRow(_ cond: Condition, _ answers: [Answer], _ d: Dataset, scale: [Int],
                                    accuracy: Double, ci: (Double, Double)?) -> ConditionRow {
        var ps = Distinct(d.participants.count), items = Distinct(d.items.count)
        for a in answers {
            ps.insert(Int(a.participant))
            items.insert(Int(a.item))
        }
        var row = ConditionRow(condition: cond.rawValue, label: "human judge, \(cond.rawValue)", answers: answers.count,
                               participants: ps.count, items: items.count, accuracy: accuracy, ci95: ci,
                               calibrationError: nil, brier: nil, meanConfidence: nil, bins: [], model: nil,
                               assistant: nil)
        row.protocolStats = ProtocolStats.compute(answers, d.protocols, condition: cond)
        return row
    }

    private static func voteRow(_ cond: Condition, _ answers: [Answer], _ scale: [Int], assistant: AssistantName?,
                                items: Int, participants: Int, accuracy: Double, ci: (Double, Double)?) -> ConditionRow {
        var tally = VoteTally(items: items)
        var seen = [Bool](repeating: false, count: items)
        var gold = [Int8](repeating: 0, count: items)
        var order: [Int] = []
        var ps = Distinct(participants)
        for a in answers {
            let i = Int(a.item)
            if !seen[i] {
                seen[i] = true
                gold[i] = a.gold
                order.append(i)
            }
            if let w = ballotWeight(a) { tally.add(item: i, option: Int(a.choice), weight: w) }
            ps.insert(Int(a.participant))
        }
        var cal = Statistics.CalibrationAccumulator(scale: scale)
        for i in order.sorted() {
            let outcome = tally.outcome(item: i, gold: Int(gold[i]))
            cal.add(confidence: outcome.confidence, credit: outcome.credit)
        }
        return ConditionRow(condition: "\(cond.rawValue)_vote",
                            label: cond == .unaided ? "unaided, weighted vote" : assistedLabel(assistant) + ", weighted vote",
                            answers: order.count, participants: ps.count, items: order.count, accuracy: accuracy,
                            ci95: ci, calibrationError: cal.calibrationError, brier: cal.brier,
                            meanConfidence: cal.meanConfidence, bins: bins(cal), model: nil, assistant: assistant)
    }

    private static func modelRow(_ run: ModelRun, _ scale: [Int], humanItems: Set<Int32>, accuracy: Double,
                                 ci: (Double, Double)?) -> ConditionRow {
        var cal = Statistics.CalibrationAccumulator(scale: scale)
        var covered = 0
        for a in run.answers {
            if let p = a.confidence { cal.add(confidence: p, credit: a.correct ? 1 : 0) }
            if humanItems.contains(a.item) { covered += 1 }
        }
        let info = ModelRunInfo(path: run.path, convention: run.convention, shots: run.shots, provider: run.provider,
                                model: run.model, coversHumanItems: covered, humanItems: humanItems.count)
        if let judged = run.judgedCondition {
            var row = ConditionRow(condition: "model_judge", label: run.label, answers: run.answers.count, participants: 0,
                                   items: run.answers.count, accuracy: accuracy, ci95: ci,
                                   calibrationError: cal.calibrationError, brier: cal.brier,
                                   meanConfidence: cal.meanConfidence, bins: bins(cal), model: info,
                                   assistant: AssistantName(provider: run.provider, model: run.model))
            row.protocolStats = ProtocolStats.compute(run.answers.compactMap { a in
                a.protocolData.map { (Int(a.gold), a.correct, $0) }
            }, condition: judged)
            return row
        }
        return ConditionRow(condition: "model", label: run.label, answers: run.answers.count, participants: 0,
                            items: run.answers.count, accuracy: accuracy, ci95: ci,
                            calibrationError: cal.calibrationError, brier: cal.brier,
                            meanConfidence: cal.meanConfidence, bins: bins(cal), model: info,
                            assistant: AssistantName(provider: run.provider, model: run.model))
    }

    private static func bins(_ cal: Statistics.CalibrationAccumulator) -> [BinRow] {
        cal.bins.map { BinRow(value: $0.value, count: $0.count, accuracy: $0.accuracy) }
    }

    // MARK: - Participants

    private static func participantRows(_ d: Dataset, _ rule: Statistics.OutlierRule)
        -> ([ParticipantRow], [ScoreWarning]) {
        struct Acc { var n = 0, answered = 0, correct = 0, timeouts = 0, confN = 0; var conf = 0.0 }
        struct Key: Hashable { var p: Int32; var task: TaskKind; var cond: Condition }
        var acc: [Key: Acc] = [:]
        var perSession = [Int](repeating: 0, count: d.sessions.count)
        // Answers come sorted by participant and block, so runs share a key: look up once per run.
        var currentKey: Key?
        var x = Acc()
        func flush() {
            if let k = currentKey { acc[k] = x }
        }
        for a in d.answers {
            let k = Key(p: a.participant, task: a.task, cond: a.condition)
            if k != currentKey {
                flush()
                currentKey = k
                x = acc[k] ?? Acc()
            }
            x.n += 1
            if a.choice >= 0 { x.answered += 1 }
            if a.correct { x.correct += 1 }
            if a.timedOut { x.timeouts += 1 }
            if a.hasConfidence {
                x.confN += 1
                x.conf += Double(a.confidence) / 100
            }
            perSession[Int(a.session)] += 1
        }
        flush()
        var completed: [String: Bool] = [:]
        var completion: [String: Double] = [:]
        for (i, s) in d.sessions.enumerated() {
            completed[s.participant] = s.completed
            completion[s.participant] = s.planned > 0 ? min(1, Double(perSession[i]) / Double(s.planned)) : 0
        }
        // Flags, per task, on unaided accuracy.
        var flagged = Set<Key>()
        var warnings: [ScoreWarning] = []
        for task in TaskKind.allCases {
            let keys = acc.keys.filter { $0.task == task && $0.cond == .unaided }.sorted { $0.p < $1.p }
            let values = keys.map { k -> Double in
                let x = acc[k] ?? Acc()
                return x.n > 0 ? Double(x.correct) / Double(x.n) : 0
            }
            for i in rule.flagged(values) {
                let k = keys[i]
                flagged.insert(Key(p: k.p, task: task, cond: .unaided))
                flagged.insert(Key(p: k.p, task: task, cond: .assisted))
                var others = values
                others.remove(at: i)
                let t = rule.threshold(others: others) ?? 0
                let id = d.participants[Int(k.p)]
                warnings.append(ScoreWarning(path: nil, line: nil, kind: .statistics,
                    message: "FLAG: participant \(id) unaided \(task.rawValue) accuracy \(percent(values[i])) is above the outlier threshold \(percent(t)); still scored (use --exclude \(id) to drop)"))
            }
        }
        let rows = acc.keys.sorted { a, b in
            if a.p != b.p { return a.p < b.p }
            if a.task != b.task { return a.task < b.task }
            return a.cond.rawValue > b.cond.rawValue  // unaided before assisted
        }.map { k -> ParticipantRow in
            let x = acc[k] ?? Acc()
            let id = d.participants[Int(k.p)]
            return ParticipantRow(id: id, task: k.task, condition: k.cond, answers: x.n, answered: x.answered,
                                  accuracy: x.n > 0 ? Double(x.correct) / Double(x.n) : 0,
                                  meanConfidence: x.confN > 0 ? x.conf / Double(x.confN) : nil,
                                  timeouts: x.timeouts, completed: completed[id] ?? false,
                                  completion: completion[id] ?? 0, flagged: flagged.contains(k))
        }
        return (rows, warnings)
    }

    // MARK: - Blocks

    /// One row per block, task and condition; an assisted block run with several assistants
    /// gets a row per assistant.
    private static func blockRows(_ d: Dataset, assistants: [AssistantName]) -> [BlockRow] {
        struct Key: Hashable { var block: Int32; var task: TaskKind; var cond: Condition; var assistant: Int }
        let assistantIndex = Dictionary(uniqueKeysWithValues: assistants.enumerated().map { ($1, $0) })
        struct Acc {
            var n = 0, timeouts = 0, turns = 0, resets = 0, chars = 0
            var elapsed: [Double] = []
            var ttft: [Double] = []
            var participants = Set<Int32>()
        }
        var acc: [Key: Acc] = [:]
        var currentKey: Key?
        var x = Acc()
        for a in d.answers {
            let k = Key(block: a.block, task: a.task, cond: a.condition,
                        assistant: a.condition == .assisted ? assistantIndex[d.sessions[Int(a.session)].assistant] ?? -1 : -1)
            if k != currentKey {
                if let c = currentKey { acc[c] = x }
                currentKey = k
                x = acc.removeValue(forKey: k) ?? Acc()
            }
            x.n += 1
            if a.timedOut { x.timeouts += 1 }
            x.turns += Int(a.turns)
            x.resets += Int(a.resets)
            x.chars += Int(a.charsSent)
            x.elapsed.append(Double(a.elapsedMs))
            for t in 0..<Int(a.ttftCount) { x.ttft.append(Double(d.ttftMs[Int(a.ttftStart) + t])) }
            x.participants.insert(a.participant)
        }
        if let c = currentKey { acc[c] = x }
        return acc.keys.sorted { a, b in
            if a.block != b.block { return a.block < b.block }
            if a.task != b.task { return a.task < b.task }
            if a.cond != b.cond { return a.cond.rawValue < b.cond.rawValue }
            return a.assistant < b.assistant
        }.map { k in
            let x = acc[k] ?? Acc()
            let assisted = k.cond == .assisted
            let n = Double(max(x.n, 1))
            return BlockRow(block: Int(k.block), task: k.task, condition: k.cond, answers: x.n,
                            participants: x.participants.count,
                            medianSeconds: Statistics.median(x.elapsed).map { $0 / 1000 }, timeouts: x.timeouts,
                            turns: assisted ? Double(x.turns) / n : nil, resets: assisted ? Double(x.resets) / n : nil,
                            charsSent: assisted ? Double(x.chars) / n : nil,
                            medianTTFTMs: assisted ? Statistics.median(x.ttft) : nil,
                            assistant: assisted && k.assistant >= 0 ? assistants[k.assistant] : nil)
        }
    }
}

/// Counts distinct small integers (indices) without hashing.
struct Distinct {
    private var seen: [Bool]
    private(set) var count = 0
    init(_ size: Int) { seen = [Bool](repeating: false, count: size) }
    mutating func insert(_ i: Int) {
        if !seen[i] {
            seen[i] = true
            count += 1
        }
    }
}

/// `57.2%` style rendering of a fraction.
func percent(_ x: Double) -> String { String(format: "%.1f%%", x * 100) }
