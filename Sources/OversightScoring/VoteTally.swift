import Foundation

/// The weighted vote's running tally: four log-scores per item, one per option. The one
/// implementation of the vote: the point estimate (`Statistics.vote`, the scorer's vote rows)
/// and every bootstrap resample add ballots here and read the winners from here.
///
/// A ballot adds `Statistics.voteWeight(confidence:)` (times how often it was drawn) to the
/// chosen option's score. The options whose scores are within `Statistics.tieTolerance` of
/// the best win together: an item earns 1/k when the gold option is one of the k winners.
public struct VoteTally: Sendable, Equatable {
    /// Scores of item i's options at `4 i ..< 4 i + 4`.
    private var scores: [Double]

    /// A tally of `items` items, every score 0 (a four-way tie).
    public init(items: Int) {
        scores = [Double](repeating: 0, count: 4 * max(0, items))
    }

    public var items: Int { scores.count / 4 }

    /// The four scores of an item.
    public func scores(item: Int) -> [Double] { Array(scores[(4 * item)..<(4 * item + 4)]) }

    /// Add `weight` to one option of an item.
    public mutating func add(item: Int, option: Int, weight: Double) {
        scores[4 * item + option] += weight
    }

    /// Add a ballot; one without a choice or a confidence (no answer, timed out) counts as the
    /// uniform distribution and adds nothing.
    public mutating func add(item: Int, _ ballot: Statistics.Ballot) {
        guard let c = ballot.choice, (0..<4).contains(c), let p = ballot.confidence else { return }
        add(item: item, option: c, weight: Statistics.voteWeight(confidence: p))
    }

    /// `weight` times the item's credit: weight / k when `gold` is one of the k winners, else 0.
    public func credit(item: Int, gold: Int, weight: Double = 1) -> Double {
        let o = 4 * item
        return Self.credit(scores[o], scores[o + 1], scores[o + 2], scores[o + 3], gold: gold, weight: weight)
    }

    /// Winners, credit and the vote's confidence for one item.
    public func outcome(item: Int, gold: Int) -> Statistics.VoteOutcome {
        let o = 4 * item
        let best = max(max(scores[o], scores[o + 1]), max(scores[o + 2], scores[o + 3]))
        let tol = Self.tolerance(best)
        let winners = (0..<4).filter { best - scores[o + $0] <= tol }
        let credit = Self.credit(scores[o], scores[o + 1], scores[o + 2], scores[o + 3], gold: gold, weight: 1)
        // Normalised product of the winner: exp(s_w) / sum exp(s_o), computed stably.
        var denom = 0.0
        for k in 0..<4 { denom += exp(scores[o + k] - best) }
        let confidence = denom > 0 ? 1 / denom : 0.25
        return Statistics.VoteOutcome(winners: winners, credit: credit, confidence: confidence)
    }

    @inline(__always) static func tolerance(_ best: Double) -> Double {
        Statistics.tieTolerance * max(1, abs(best))
    }

    /// The credit rule on one item's four scores.
    @inline(__always)
    static func credit(_ s0: Double, _ s1: Double, _ s2: Double, _ s3: Double, gold: Int, weight: Double) -> Double {
        let best = max(max(s0, s1), max(s2, s3))
        let tol = tolerance(best)
        var tied = 0
        var goldWins = false
        if best - s0 <= tol { tied += 1; goldWins = goldWins || gold == 0 }
        if best - s1 <= tol { tied += 1; goldWins = goldWins || gold == 1 }
        if best - s2 <= tol { tied += 1; goldWins = goldWins || gold == 2 }
        if best - s3 <= tol { tied += 1; goldWins = goldWins || gold == 3 }
        return goldWins ? weight / Double(tied) : 0
    }

    /// Access without index checks in optimised builds, for the resampling loop, which adds
    /// millions of ballots. Valid only inside `withUnchecked`.
    struct Unchecked {
        let s: UnsafeMutableBufferPointer<Double>
        @inline(__always) func clear(item: Int) {
            let o = 4 &* item
            s[o] = 0; s[o &+ 1] = 0; s[o &+ 2] = 0; s[o &+ 3] = 0
        }
        @inline(__always) func add(item: Int, option: Int, weight: Double) {
            s[4 &* item &+ option] += weight
        }
        @inline(__always) func credit(item: Int, gold: Int, weight: Double) -> Double {
            let o = 4 &* item
            return VoteTally.credit(s[o], s[o &+ 1], s[o &+ 2], s[o &+ 3], gold: gold, weight: weight)
        }
    }

    /// Run `body` with unchecked access to the scores.
    mutating func withUnchecked<R>(_ body: (Unchecked) -> R) -> R {
        scores.withUnsafeMutableBufferPointer { body(Unchecked(s: $0)) }
    }
}
