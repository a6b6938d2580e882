import Foundation
import OversightCore

/// The reliance measures: how final answers relate to the initial answer (two-stage blocks)
/// and to the assistant's stance (stance files). With I the initial answer, F the final one,
/// S the stance (an option; questions whose assistant endorsed none, or that have no stance
/// record, have no S) and G the gold option:
///
/// | key | numerator | denominator (n) |
/// |---|---|---|
/// | agreement | F = S | answers with S |
/// | switch_rate | F ≠ I | answers with I |
/// | switch_to_stance | F = S | answers with I and S, I ≠ S |
/// | rair | F = S | answers with I ≠ G and S = G |
/// | rsr | F = I | answers with I = G and S ≠ G |
/// | over_reliance | F = S | answers with S ≠ G |
/// | under_reliance | F ≠ S | answers with S = G |
/// | confidence_shift (right / wrong) | mean of final − initial confidence, percentage points | answers with I, both confidences, F right / wrong |
///
/// A final answer with no option (timed out) equals no option. A measure with n = 0 has no
/// value (absent, never 0).
public enum RelianceMetric: String, CaseIterable, Sendable {
    case agreement
    case switchRate = "switch_rate"
    case switchToStance = "switch_to_stance"
    case rair
    case rsr
    case overReliance = "over_reliance"
    case underReliance = "under_reliance"
    /// Mean final minus initial confidence over every answer with both, then split by whether
    /// the final answer is right.
    case confidenceShift = "confidence_shift"
    case confidenceShiftRight = "confidence_shift_right"
    case confidenceShiftWrong = "confidence_shift_wrong"

    /// Shares lie in 0...1; the confidence shifts are in percentage points.
    public var isShare: Bool { ![.confidenceShift, .confidenceShiftRight, .confidenceShiftWrong].contains(self) }

    /// What the answer adds to this measure: nil when it is not in the denominator, else the
    /// numerator's value (1 or 0 for shares, the shift for confidence).
    public static func contributions(_ a: Answer) -> [(RelianceMetric, Double)] {
        let f = Int(a.choice), i = Int(a.initialChoice), s = Int(a.stance), g = Int(a.gold)
        let hasI = i >= 0, hasS = s >= 0
        func one(_ b: Bool) -> Double { b ? 1 : 0 }
        var out: [(RelianceMetric, Double)] = []
        if hasS {
            out.append((.agreement, one(f == s)))
            if s == g { out.append((.underReliance, one(f != s))) } else { out.append((.overReliance, one(f == s))) }
        }
        if hasI { out.append((.switchRate, one(f != i))) }
        if hasI && hasS {
            if i != s { out.append((.switchToStance, one(f == s))) }
            if i != g && s == g { out.append((.rair, one(f == s))) }
            if i == g && s != g { out.append((.rsr, one(f == i))) }
        }
        if hasI, a.initialConfidence >= 0, a.confidence >= 0 {
            let shift = Double(a.confidence) - Double(a.initialConfidence)
            out.append((.confidenceShift, shift))
            out.append((a.correct ? .confidenceShiftRight : .confidenceShiftWrong, shift))
        }
        return out
    }
}

/// One reliance measure: its value (nil when its denominator is empty), the denominator, and
/// a bootstrap interval where one was computed.
public struct RelianceValue: Sendable, Equatable {
    public var value: Double?
    public var n: Int
    public var ciLow: Double?
    public var ciHigh: Double?

    public init(value: Double?, n: Int, ci95: (Double, Double)? = nil) {
        self.value = value
        self.n = n
        ciLow = ci95?.0
        ciHigh = ci95?.1
    }

    public var ci95: (Double, Double)? {
        guard let ciLow, let ciHigh else { return nil }
        return (ciLow, ciHigh)
    }
}

/// Initial and final accuracy of the two-stage answers with a stance, for stances that were
/// right or wrong (the HTML report's reliance chart).
public struct RelianceChartBar: Sendable, Equatable {
    public var stanceRight: Bool
    public var n: Int
    public var initialAccuracy: Double?
    public var finalAccuracy: Double?
}

/// The reliance measures of a set of answers (a condition row or a participant).
public struct RelianceStats: Sendable, Equatable {
    public var values: [RelianceMetric: RelianceValue]
    public var chart: [RelianceChartBar]

    public subscript(_ m: RelianceMetric) -> RelianceValue { values[m] ?? RelianceValue(value: nil, n: 0) }

    /// Whether anything could be measured (some answer has an initial answer or a stance).
    public var isEmpty: Bool { values.values.allSatisfy { $0.n == 0 } }
}

public enum Reliance {
    /// The measures of `answers` (those with an assistant: assisted, consultancy, debate); with `resamples` > 0 each gets a two-way
    /// bootstrap interval (participants and items drawn with replacement, the same draws for
    /// every measure, seeded by `seed` and `label`; bias-corrected percentile). Nil when no
    /// answer has an initial answer or a stance.
    public static func stats(_ answers: [Answer], resamples: Int = 0, seed: UInt64 = 1,
                             label: String = "reliance",
                             jobs: Int = ProcessInfo.processInfo.activeProcessorCount) -> RelianceStats? {
        let metrics = RelianceMetric.allCases
        var num = [Double](repeating: 0, count: metrics.count)
        var den = [Int](repeating: 0, count: metrics.count)
        // Flat entries for the bootstrap: local participant, local item, metric, value.
        var localP: [Int32: Int32] = [:], localI: [Int32: Int32] = [:]
        var eP: [Int32] = [], eI: [Int32] = [], eM: [Int] = [], eX: [Double] = []
        var bars = [(n: 0, initial: 0, final: 0), (n: 0, initial: 0, final: 0)]   // stance wrong, right
        for a in answers where a.condition != .unaided {
            let cs = RelianceMetric.contributions(a)
            if cs.isEmpty { continue }
            let p = localP[a.participant] ?? { let k = Int32(localP.count); localP[a.participant] = k; return k }()
            let i = localI[a.item] ?? { let k = Int32(localI.count); localI[a.item] = k; return k }()
            for (m, x) in cs {
                let k = metrics.firstIndex(of: m) ?? 0
                num[k] += x
                den[k] += 1
                eP.append(p); eI.append(i); eM.append(k); eX.append(x)
            }
            if a.initialChoice >= 0, a.stance >= 0 {
                let b = a.stance == a.gold ? 1 : 0
                bars[b].n += 1
                if a.initialChoice == a.gold { bars[b].initial += 1 }
                if a.correct { bars[b].final += 1 }
            }
        }
        if eM.isEmpty { return nil }
        var replicates = [[Double]](repeating: [], count: metrics.count)
        if resamples > 0 {
            let np = localP.count, ni = localI.count, columns = metrics.count
            let (eP, eI, eM, eX) = (eP, eI, eM, eX)
            let table = ResultTable(rows: resamples, columns: columns)
            struct Worker {
                var wp: [Int], wi: [Int], rn: [Double], rd: [Int], out: [Double]
            }
            // The draws depend only on (seed, label, b): the same whatever thread takes b.
            ParallelWork.forEach(count: resamples, jobs: jobs, local: {
                Worker(wp: [Int](repeating: 0, count: np), wi: [Int](repeating: 0, count: ni),
                       rn: [Double](repeating: 0, count: columns), rd: [Int](repeating: 0, count: columns),
                       out: [Double](repeating: .nan, count: columns))
            }) { w, b in
                var rng = SeededRandom(seed: seed, label: "\(label)/\(b)")
                for k in w.wp.indices { w.wp[k] = 0 }
                for k in w.wi.indices { w.wi[k] = 0 }
                for _ in 0..<np { w.wp[Int(rng.next().multipliedFullWidth(by: UInt64(np)).high)] += 1 }
                for _ in 0..<ni { w.wi[Int(rng.next().multipliedFullWidth(by: UInt64(ni)).high)] += 1 }
                for k in 0..<columns { w.rn[k] = 0; w.rd[k] = 0 }
                for e in eM.indices {
                    let weight = w.wp[Int(eP[e])] * w.wi[Int(eI[e])]
                    if weight == 0 { continue }
                    w.rn[eM[e]] += Double(weight) * eX[e]
                    w.rd[eM[e]] += weight
                }
                for k in 0..<columns { w.out[k] = w.rd[k] > 0 ? w.rn[k] / Double(w.rd[k]) : .nan }
                table.set(row: b, w.out)
            }
            replicates = table.columnsArray()
        }
        var values: [RelianceMetric: RelianceValue] = [:]
        for (k, m) in metrics.enumerated() {
            guard den[k] > 0 else {
                values[m] = RelianceValue(value: nil, n: 0)
                continue
            }
            let v = num[k] / Double(den[k])
            var ci = resamples > 0 ? Statistics.biasCorrectedInterval(replicates[k], estimate: v) : nil
            if m.isShare { ci = ci.map(Statistics.clampedToUnit) }
            values[m] = RelianceValue(value: v, n: den[k], ci95: ci)
        }
        func share(_ x: Int, _ n: Int) -> Double? { n > 0 ? Double(x) / Double(n) : nil }
        let chart = [1, 0].compactMap { b -> RelianceChartBar? in
            let x = bars[b]
            guard x.n > 0 else { return nil }
            return RelianceChartBar(stanceRight: b == 1, n: x.n, initialAccuracy: share(x.initial, x.n),
                                    finalAccuracy: share(x.final, x.n))
        }
        return RelianceStats(values: values, chart: chart)
    }
}

extension Reliance {
    /// Put each participant row's reliance measures (no intervals) on it (rows with an assistant).
    static func attach(to rows: inout [ParticipantRow], _ d: Dataset) {
        struct Key: Hashable { var p: String; var task: TaskKind; var condition: Condition }
        var byKey: [Key: [Answer]] = [:]
        // Only answers with an initial answer or a stance measure anything: logs without them
        // (most studies) cost one pass and no hashing.
        for a in d.answers where a.condition != .unaided && (a.initialChoice >= 0 || a.stance != Answer.stanceUnknown) {
            byKey[Key(p: d.participants[Int(a.participant)], task: a.task, condition: a.condition), default: []].append(a)
        }
        if byKey.isEmpty { return }
        for k in rows.indices where rows[k].condition != .unaided {
            if let answers = byKey[Key(p: rows[k].id, task: rows[k].task, condition: rows[k].condition)] {
                rows[k].reliance = stats(answers)
            }
        }
    }
}

extension RelianceMetric {
    /// The definitions in one line (I initial, F final, S stance, G gold), for the reports.
    public static let definitions = "I initial answer, F final, S the assistant's stance (an option), G gold; "
        + "agreement = F=S over answers with S; switch_rate = F≠I over answers with I; "
        + "switch_to_stance = F=S over answers with I≠S; rair = F=S over I≠G, S=G; rsr = F=I over I=G, S≠G; "
        + "over_reliance = F=S over S≠G; under_reliance = F≠S over S=G; "
        + "confidence_shift = mean final - initial confidence (points) over answers with I, split by F right/wrong; "
        + "n = denominator; n = 0: value null (absent)"
}

extension ScoreReport {
    /// Whether any row carries reliance measures.
    public var hasReliance: Bool {
        tasks.contains { $0.rows.contains { $0.reliance != nil } } || participantRows.contains { $0.reliance != nil }
    }
}
