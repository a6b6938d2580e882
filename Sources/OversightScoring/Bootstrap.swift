import Foundation
import OversightCore

/// A statistic the scorer estimates for one task, with a bootstrap interval.
///
/// Answers fall into groups: `Statistic.unaided` (0) is the unaided answers, 1... the assisted
/// ones, one group per assistant (one group when the whole study used one assistant).
enum Statistic: Hashable, Sendable {
    /// Accuracy of the individual answers of a group.
    case accuracy(group: Int)
    /// Accuracy of the confidence-weighted vote of a group.
    case voteAccuracy(group: Int)
    /// Accuracy of model run `m` (the task's runs in order).
    case model(Int)

    /// The group of the unaided answers.
    static let unaided = 0

    /// Column of the statistic in the bootstrap's results with `groups` answer groups: each
    /// group's accuracy, each group's vote accuracy, then one per model run (with one
    /// assistant: unaided, assisted, unaided vote, assisted vote, models).
    func column(groups: Int) -> Int {
        switch self {
        case .accuracy(let g): g
        case .voteAccuracy(let g): groups + g
        case .model(let m): 2 * groups + m
        }
    }

    /// Vote statistics get the re-centred interval (their resamples are biased downward).
    var isVote: Bool {
        if case .voteAccuracy = self { return true }
        return false
    }
}

/// Point estimates and bootstrap replicates of every statistic of one task.
struct BootstrapResult: Sendable, Equatable {
    /// Number of answer groups.
    var groups: Int
    /// Per column (`Statistic.column`): the estimate with every weight 1.
    var point: [Double]
    /// Per column: the replicates in resample order (empty without resamples).
    var replicates: [[Double]]

    func point(_ s: Statistic) -> Double { point[s.column(groups: groups)] }
    func replicates(_ s: Statistic) -> [Double] { replicates.isEmpty ? [] : replicates[s.column(groups: groups)] }
}

/// The answers of one task laid out flat for fast resampling.
///
/// Answers fall into groups (see `Statistic`); each `Statistic` has a column. A statistic is
/// NaN when it has no data in a resample (and then that resample is left out of its interval).
struct BootstrapProblem: Sendable {
    var participants: Int
    var items: Int
    /// Number of answer groups (unaided plus one per assistant).
    let groups: Int
    /// Per group: every answer's participant, item, correctness.
    var answerP: [[Int32]]
    var answerI: [[Int32]]
    var answerC: [[UInt8]]
    /// Per group: informative ballots (choice and vote weight) for the vote.
    var ballotP: [[Int32]]
    var ballotI: [[Int32]]
    var ballotChoice: [[Int32]]
    var ballotWeight: [[Double]]
    /// Per group: the distinct items answered.
    var voteItems: [[Int32]]
    var gold: [Int8]
    /// Per model run: items and correctness.
    var modelI: [[Int32]] = []
    var modelC: [[UInt8]] = []

    /// Item strata resampled separately, each to its own size (e.g. items answered unaided,
    /// items answered assisted, items only a model answered), so a condition's number of items
    /// stays fixed and adding a model run does not change the human rows. Empty: one stratum.
    var strata: [[Int32]] = []

    var statCount: Int { 2 * groups + modelI.count }

    /// Column of a statistic in this problem's results.
    func column(_ s: Statistic) -> Int { s.column(groups: groups) }

    init(participants: Int, items: Int, gold: [Int8], groups: Int = 2) {
        self.participants = participants
        self.items = items
        self.gold = gold
        self.groups = groups
        let empty = [[Int32]](repeating: [], count: groups)
        answerP = empty
        answerI = empty
        answerC = [[UInt8]](repeating: [], count: groups)
        ballotP = empty
        ballotI = empty
        ballotChoice = empty
        ballotWeight = [[Double]](repeating: [], count: groups)
        voteItems = empty
    }

    /// Answers (or ballots) of one condition grouped by participant: participant p's entries
    /// are `start[p] ..< start[p + 1]`.
    struct Grouped {
        var start: [Int]
        var item: [Int32]
        var correct: [Int32]
        var choice: [Int32]
        var weight: [Double]
    }

    /// Counting-sort entries by participant (stable).
    static func group(participants: Int, p: [Int32], item: [Int32], correct: [UInt8]?, choice: [Int32]?,
                      weight: [Double]?) -> Grouped {
        var start = [Int](repeating: 0, count: participants + 1)
        for x in p { start[Int(x) + 1] += 1 }
        for k in 0..<participants { start[k + 1] += start[k] }
        var fill = start
        let n = p.count
        var g = Grouped(start: start, item: [Int32](repeating: 0, count: n), correct: [Int32](repeating: 0, count: n),
                        choice: [Int32](repeating: 0, count: n), weight: [Double](repeating: 0, count: n))
        for k in 0..<n {
            let at = fill[Int(p[k])]
            fill[Int(p[k])] += 1
            g.item[at] = item[k]
            if let correct { g.correct[at] = Int32(correct[k]) }
            if let choice { g.choice[at] = choice[k] }
            if let weight { g.weight[at] = weight[k] }
        }
        return g
    }

    /// The layout the resampling loop works on.
    struct Prepared {
        var answers: [Grouped]
        var ballots: [Grouped]
        /// Per condition: ballot k belongs to answer k (one pass serves both).
        var aligned: [Bool]
    }

    func prepare() -> Prepared {
        Prepared(
            answers: (0..<groups).map { c in
                Self.group(participants: participants, p: answerP[c], item: answerI[c], correct: answerC[c],
                           choice: nil, weight: nil)
            },
            ballots: (0..<groups).map { c in
                Self.group(participants: participants, p: ballotP[c], item: ballotI[c], correct: nil,
                           choice: ballotChoice[c], weight: ballotWeight[c])
            },
            aligned: (0..<groups).map { c in ballotP[c] == answerP[c] && ballotI[c] == answerI[c] })
    }

    /// Scratch space for one thread.
    /// One thread's scratch space and output row.
    struct Worker {
        var scratch: Scratch
        var out: [Double]
    }

    struct Scratch {
        var wp: [Int32]
        var wi: [Int32]
        var present: [Int32]
        var tally: VoteTally
        init(_ p: BootstrapProblem) {
            wp = [Int32](repeating: 1, count: p.participants)
            wi = [Int32](repeating: 1, count: p.items)
            present = [Int32](repeating: 0, count: p.items)
            tally = VoteTally(items: p.items)
        }
    }

    /// All statistics with participant weights `s.wp` and item weights `s.wi` (counts).
    func evaluate(_ s: inout Scratch, _ prep: Prepared, into out: inout [Double]) {
        for c in 0..<groups {
            let (individual, vote) = condition(c, &s, prep)
            out[column(.accuracy(group: c))] = individual
            out[column(.voteAccuracy(group: c))] = vote
        }
        for m in modelI.indices {
            var num: Int64 = 0, den: Int64 = 0
            let items = modelI[m], correct = modelC[m]
            for k in items.indices {
                let w = Int64(s.wi[Int(items[k])])
                den &+= w
                num &+= w &* Int64(correct[k])
            }
            out[column(.model(m))] = den > 0 ? Double(num) / Double(den) : .nan
        }
    }

    /// Individual accuracy and vote accuracy of one group. Participants drawn zero times
    /// are skipped whole.
    private func condition(_ c: Int, _ s: inout Scratch, _ prep: Prepared) -> (Double, Double) {
        let a = prep.answers[c], b = prep.ballots[c]
        let items = voteItems[c]
        var num: Int64 = 0, den: Int64 = 0
        s.wp.withUnsafeBufferPointer { wp in
            s.wi.withUnsafeBufferPointer { wi in
                s.present.withUnsafeMutableBufferPointer { present in
                    s.tally.withUnchecked { tally in
                        for i in items {
                            present[Int(i)] = 0
                            tally.clear(item: Int(i))
                        }
                        if prep.aligned[c] {
                            // One pass: answer k and ballot k are the same submission.
                            a.item.withUnsafeBufferPointer { ai in
                                a.correct.withUnsafeBufferPointer { ac in
                                    b.choice.withUnsafeBufferPointer { bc in
                                        b.weight.withUnsafeBufferPointer { bw in
                                            for p in 0..<participants {
                                                let w = wp[p]
                                                if w == 0 { continue }
                                                let dw = Double(w)
                                                var total: Int64 = 0, right: Int64 = 0
                                                for k in a.start[p]..<a.start[p &+ 1] {
                                                    let item = Int(ai[k])
                                                    let x = Int64(wi[item])
                                                    total &+= x
                                                    right &+= x &* Int64(ac[k])
                                                    present[item] &+= w
                                                    tally.add(item: item, option: Int(bc[k]), weight: dw * bw[k])
                                                }
                                                den &+= Int64(w) &* total
                                                num &+= Int64(w) &* right
                                            }
                                        }
                                    }
                                }
                            }
                            return
                        }
                        a.item.withUnsafeBufferPointer { ai in
                            a.correct.withUnsafeBufferPointer { ac in
                                for p in 0..<participants {
                                    let w = wp[p]
                                    if w == 0 { continue }
                                    var total: Int64 = 0, right: Int64 = 0
                                    for k in a.start[p]..<a.start[p &+ 1] {
                                        let item = Int(ai[k])
                                        let x = Int64(wi[item])
                                        total &+= x
                                        right &+= x &* Int64(ac[k])
                                        present[item] &+= w
                                    }
                                    den &+= Int64(w) &* total
                                    num &+= Int64(w) &* right
                                }
                            }
                        }
                        b.item.withUnsafeBufferPointer { bi in
                            b.choice.withUnsafeBufferPointer { bc in
                                b.weight.withUnsafeBufferPointer { bw in
                                    for p in 0..<participants {
                                        let w = wp[p]
                                        if w == 0 { continue }
                                        let dw = Double(w)
                                        for k in b.start[p]..<b.start[p &+ 1] {
                                            tally.add(item: Int(bi[k]), option: Int(bc[k]), weight: dw * bw[k])
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        let individual = den > 0 ? Double(num) / Double(den) : Double.nan
        guard !items.isEmpty else { return (individual, .nan) }
        var vnum = 0.0, vden = 0.0
        let itemWeights = s.wi, present = s.present
        s.tally.withUnchecked { tally in
            for i in items {
                let ii = Int(i)
                let wi = itemWeights[ii]
                guard wi > 0, present[ii] > 0 else { continue }
                vden += Double(wi)
                vnum += tally.credit(item: ii, gold: Int(gold[ii]), weight: Double(wi))
            }
        }
        return (individual, vden > 0 ? vnum / vden : .nan)
    }

    /// Point estimates (every weight 1) and `resamples` two-way bootstrap replicates: each
    /// resample draws participants and items with replacement, from a generator seeded by
    /// (`seed`, `label`, resample number), so results do not depend on the thread count.
    func run(resamples: Int, seed: UInt64, label: String, jobs: Int) -> BootstrapResult {
        let prep = prepare()
        var s = Scratch(self)
        var point = [Double](repeating: .nan, count: statCount)
        evaluate(&s, prep, into: &point)
        guard resamples > 0 else { return BootstrapResult(groups: groups, point: point, replicates: []) }
        let results = ResultTable(rows: resamples, columns: statCount)
        let np = UInt64(participants), ni = UInt64(items)
        // Each resample's draws depend only on its number, so which thread takes it does not matter.
        ParallelWork.forEach(count: resamples, jobs: jobs,
                             local: { Worker(scratch: Scratch(self), out: [Double](repeating: .nan, count: statCount)) }) { w, b in
            var rng = SeededRandom(seed: seed, label: "\(label)/\(b)")
            // Multiply-shift maps a 64-bit draw to 0..<n (bias below n / 2^64).
            w.scratch.wp.withUnsafeMutableBufferPointer { wp in
                for k in wp.indices { wp[k] = 0 }
                for _ in 0..<participants { wp[Int(rng.next().multipliedFullWidth(by: np).high)] &+= 1 }
            }
            w.scratch.wi.withUnsafeMutableBufferPointer { wi in
                for k in wi.indices { wi[k] = 0 }
                if strata.isEmpty {
                    for _ in 0..<items { wi[Int(rng.next().multipliedFullWidth(by: ni).high)] &+= 1 }
                } else {
                    for stratum in strata where !stratum.isEmpty {
                        let n = UInt64(stratum.count)
                        for _ in 0..<stratum.count {
                            wi[Int(stratum[Int(rng.next().multipliedFullWidth(by: n).high)])] &+= 1
                        }
                    }
                }
            }
            evaluate(&w.scratch, prep, into: &w.out)
            results.set(row: b, w.out)
        }
        return BootstrapResult(groups: groups, point: point, replicates: results.columnsArray())
    }
}

/// A rows x columns table of doubles filled by several threads, each row written by one.
final class ResultTable: @unchecked Sendable {
    private var storage: UnsafeMutableBufferPointer<Double>
    let rows: Int
    let columns: Int

    init(rows: Int, columns: Int) {
        self.rows = rows
        self.columns = columns
        storage = .allocate(capacity: max(1, rows * columns))
        storage.initialize(repeating: .nan)
    }

    deinit { storage.deallocate() }

    func set(row: Int, _ values: [Double]) {
        for c in 0..<columns { storage[row * columns + c] = values[c] }
    }

    /// Per column, the replicate values in row order.
    func columnsArray() -> [[Double]] {
        (0..<columns).map { c in (0..<rows).map { storage[$0 * columns + c] } }
    }
}
