import Foundation
import OversightCore

/// The answers of one task laid out flat for fast resampling.
///
/// Statistics, in order: unaided accuracy, assisted accuracy, unaided vote accuracy, assisted
/// vote accuracy, then one accuracy per model run. A statistic is NaN when it has no data in a
/// resample (and then that resample is left out of its interval).
struct BootstrapProblem: Sendable {
    var participants: Int
    var items: Int
    /// Per condition (0 unaided, 1 assisted): every answer's participant, item, correctness.
    var answerP: [[Int32]] = [[], []]
    var answerI: [[Int32]] = [[], []]
    var answerC: [[UInt8]] = [[], []]
    /// Per condition: informative ballots (choice and vote weight) for the vote.
    var ballotP: [[Int32]] = [[], []]
    var ballotI: [[Int32]] = [[], []]
    var ballotChoice: [[Int32]] = [[], []]
    var ballotWeight: [[Double]] = [[], []]
    /// Per condition: the distinct items answered.
    var voteItems: [[Int32]] = [[], []]
    var gold: [Int8]
    /// Per model run: items and correctness.
    var modelI: [[Int32]] = []
    var modelC: [[UInt8]] = []

    var statCount: Int { 4 + modelI.count }

    init(participants: Int, items: Int, gold: [Int8]) {
        self.participants = participants
        self.items = items
        self.gold = gold
    }

    /// Scratch space for one thread.
    struct Scratch {
        var wp: [Int32]
        var wi: [Int32]
        var present: [Int32]
        var scores: [Double]
        init(_ p: BootstrapProblem) {
            wp = [Int32](repeating: 1, count: p.participants)
            wi = [Int32](repeating: 1, count: p.items)
            present = [Int32](repeating: 0, count: p.items)
            scores = [Double](repeating: 0, count: p.items * 4)
        }
    }

    /// All statistics with participant weights `s.wp` and item weights `s.wi` (counts).
    func evaluate(_ s: inout Scratch, into out: inout [Double]) {
        for c in 0..<2 { out[c] = individual(c, &s) }
        for c in 0..<2 { out[2 + c] = vote(c, &s) }
        for m in modelI.indices {
            var num: Int64 = 0, den: Int64 = 0
            let items = modelI[m], correct = modelC[m]
            for k in items.indices {
                let w = Int64(s.wi[Int(items[k])])
                den &+= w
                num &+= w &* Int64(correct[k])
            }
            out[4 + m] = den > 0 ? Double(num) / Double(den) : .nan
        }
    }

    private func individual(_ c: Int, _ s: inout Scratch) -> Double {
        var num: Int64 = 0, den: Int64 = 0
        let ps = answerP[c], its = answerI[c], cs = answerC[c]
        s.wp.withUnsafeBufferPointer { wp in
            s.wi.withUnsafeBufferPointer { wi in
                ps.withUnsafeBufferPointer { pp in
                    its.withUnsafeBufferPointer { ip in
                        cs.withUnsafeBufferPointer { cp in
                            for k in 0..<pp.count {
                                let w = Int64(wp[Int(pp[k])] &* wi[Int(ip[k])])
                                den &+= w
                                num &+= w &* Int64(cp[k])
                            }
                        }
                    }
                }
            }
        }
        return den > 0 ? Double(num) / Double(den) : .nan
    }

    private func vote(_ c: Int, _ s: inout Scratch) -> Double {
        let items = voteItems[c]
        guard !items.isEmpty else { return .nan }
        for i in items {
            s.present[Int(i)] = 0
            let b = Int(i) * 4
            s.scores[b] = 0; s.scores[b + 1] = 0; s.scores[b + 2] = 0; s.scores[b + 3] = 0
        }
        let ps = answerP[c], its = answerI[c]
        for k in ps.indices { s.present[Int(its[k])] &+= s.wp[Int(ps[k])] }
        let bp = ballotP[c], bi = ballotI[c], bc = ballotChoice[c], bw = ballotWeight[c]
        for k in bp.indices {
            let w = s.wp[Int(bp[k])]
            if w != 0 { s.scores[Int(bi[k]) * 4 + Int(bc[k])] += Double(w) * bw[k] }
        }
        var num = 0.0, den = 0.0
        for i in items {
            let ii = Int(i)
            let wi = s.wi[ii]
            guard wi > 0, s.present[ii] > 0 else { continue }
            let b = ii * 4
            let best = max(max(s.scores[b], s.scores[b + 1]), max(s.scores[b + 2], s.scores[b + 3]))
            let tol = Statistics.tieTolerance * max(1, abs(best))
            var tied = 0
            var goldWins = false
            for o in 0..<4 where best - s.scores[b + o] <= tol {
                tied += 1
                if o == Int(gold[ii]) { goldWins = true }
            }
            den += Double(wi)
            if goldWins { num += Double(wi) / Double(tied) }
        }
        return den > 0 ? num / den : .nan
    }

    /// Point estimates (every weight 1) and `resamples` two-way bootstrap replicates: each
    /// resample draws participants and items with replacement, from a generator seeded by
    /// (`seed`, `label`, resample number), so results do not depend on the thread count.
    func run(resamples: Int, seed: UInt64, label: String, jobs: Int) -> (point: [Double], replicates: [[Double]]) {
        var s = Scratch(self)
        var point = [Double](repeating: .nan, count: statCount)
        evaluate(&s, into: &point)
        guard resamples > 0 else { return (point, []) }
        let results = ResultTable(rows: resamples, columns: statCount)
        let workers = max(1, min(jobs, resamples))
        DispatchQueue.concurrentPerform(iterations: workers) { w in
            var scratch = Scratch(self)
            var out = [Double](repeating: .nan, count: statCount)
            var b = w
            while b < resamples {
                var rng = SeededRandom(seed: seed, label: "\(label)/\(b)")
                for k in scratch.wp.indices { scratch.wp[k] = 0 }
                for _ in 0..<participants { scratch.wp[rng.below(participants)] += 1 }
                for k in scratch.wi.indices { scratch.wi[k] = 0 }
                for _ in 0..<items { scratch.wi[rng.below(items)] += 1 }
                evaluate(&scratch, into: &out)
                results.set(row: b, out)
                b += workers
            }
        }
        return (point, results.columnsArray())
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
