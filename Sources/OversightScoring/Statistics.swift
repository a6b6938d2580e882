import Foundation

/// The scoring formulas of the protocol, as pure functions on plain values.
///
/// Conventions used throughout the scorer (also stated in the output):
/// - Confidence is a fraction in 0...1 (a log's percent divided by 100).
/// - Brier score is the binary score on the chosen option: `(p - y)^2`, where `p` is the stated
///   confidence in the chosen option (100% counts as 1.0 here; the 99% cap applies to the vote
///   only) and `y` is 1 when the choice was right. Answers without a confidence are left out.
/// - Calibration error: answers are put in the bin of the nearest scale value; per non-empty
///   bin |accuracy - value|; the unweighted mean over the non-empty bins.
public enum Statistics {
    /// Bowman et al.'s five-point confidence scale, in percent.
    public static let defaultScale: [Int] = [25, 42, 60, 80, 100]

    /// Confidence cap used by the weighted vote (100% counts as 99%).
    public static let voteCap: Double = 0.99

    /// Relative tolerance under which two vote scores count as tied.
    public static let tieTolerance: Double = 1e-9

    // MARK: - Weighted vote

    /// Log-weight one answer adds to its chosen option in the weighted vote.
    ///
    /// An answer with confidence `p` becomes the distribution `p` on the chosen option and
    /// `(1-p)/3` on each other. Multiplying distributions and taking the argmax is the same as
    /// adding `log(p / ((1-p)/3))` to the chosen option's score (the `(1-p)/3` factor is common
    /// to all options). `p` is clamped to [0.25, 0.99]: 100% counts as 99%, and below 25% the
    /// distribution would favour the other options, which the scale does not allow.
    public static func voteWeight(confidence p: Double) -> Double {
        let q = min(max(p, 0.25), voteCap)
        return log(3 * q / (1 - q))
    }

    /// Outcome of one item's weighted vote.
    public struct VoteOutcome: Sendable, Equatable {
        /// Options sharing the highest product (one unless tied), ascending.
        public var winners: [Int]
        /// Credit for the item: 1/k when the gold option is among k tied winners, else 0.
        public var credit: Double
        /// Normalised product of the winning option (the vote's confidence), 0.25...1.
        public var confidence: Double
    }

    /// One participant's answer as the vote sees it: a chosen option and a confidence, or
    /// nothing (no answer, or timed out), which counts as the uniform distribution.
    public struct Ballot: Sendable, Equatable {
        public var choice: Int?
        public var confidence: Double?
        public init(choice: Int?, confidence: Double?) {
            self.choice = choice
            self.confidence = confidence
        }
    }

    /// The confidence-weighted vote over some ballots for one 4-option item (a one-item
    /// `VoteTally`).
    ///
    /// Ties (scores equal within `tieTolerance`) never favour an option: the item earns 1/k
    /// when the gold option is one of the k tied options and 0 otherwise.
    public static func vote(_ ballots: [Ballot], gold: Int) -> VoteOutcome {
        var tally = VoteTally(items: 1)
        for b in ballots { tally.add(item: 0, b) }
        return tally.outcome(item: 0, gold: gold)
    }

    // MARK: - Calibration and Brier

    /// Index of the scale value nearest to `confidence` (a fraction); ties go to the lower value.
    public static func nearestBin(_ confidence: Double, scale: [Int]) -> Int {
        var best = 0
        var bestDistance = Double.infinity
        for (i, v) in scale.enumerated() {
            let d = abs(confidence - Double(v) / 100)
            if d < bestDistance - 1e-12 {
                best = i
                bestDistance = d
            }
        }
        return best
    }

    /// One calibration bin: the scale value, how many answers fell in it, their total credit.
    public struct Bin: Sendable, Equatable {
        public var value: Int
        public var count: Int
        public var credit: Double
        /// Accuracy of the bin (nil when empty).
        public var accuracy: Double? { count > 0 ? credit / Double(count) : nil }
    }

    /// Accumulates confidence/outcome pairs into calibration bins, Brier and mean confidence.
    public struct CalibrationAccumulator: Sendable {
        public private(set) var bins: [Bin]
        public let scale: [Int]
        public private(set) var brierSum = 0.0
        public private(set) var confidenceSum = 0.0
        public private(set) var count = 0

        public init(scale: [Int]) {
            self.scale = scale
            bins = scale.map { Bin(value: $0, count: 0, credit: 0) }
        }

        /// Add one answer: stated confidence (fraction) and credit (1 right, 0 wrong, or 1/k).
        public mutating func add(confidence: Double, credit: Double) {
            guard !scale.isEmpty else { return }
            let b = Statistics.nearestBin(confidence, scale: scale)
            bins[b].count += 1
            bins[b].credit += credit
            brierSum += (confidence - credit) * (confidence - credit)
            confidenceSum += confidence
            count += 1
        }

        /// Protocol calibration error (fraction), nil when no answer had a confidence.
        public var calibrationError: Double? { Statistics.calibrationError(bins) }
        /// Mean binary Brier score on the chosen option, nil when empty.
        public var brier: Double? { count > 0 ? brierSum / Double(count) : nil }
        /// Mean stated confidence (fraction), nil when empty.
        public var meanConfidence: Double? { count > 0 ? confidenceSum / Double(count) : nil }
    }

    /// Unweighted mean over non-empty bins of |bin accuracy - bin value| (fractions).
    public static func calibrationError(_ bins: [Bin]) -> Double? {
        var sum = 0.0
        var n = 0
        for b in bins {
            guard let acc = b.accuracy else { continue }
            sum += abs(acc - Double(b.value) / 100)
            n += 1
        }
        return n > 0 ? sum / Double(n) : nil
    }

    // MARK: - Robust summaries

    /// Median of some values (mean of the middle two for even counts), nil when empty.
    public static func median(_ values: [Double]) -> Double? {
        guard !values.isEmpty else { return nil }
        let s = values.sorted()
        let m = s.count / 2
        return s.count % 2 == 1 ? s[m] : (s[m - 1] + s[m]) / 2
    }

    /// Median of sorted values with one occurrence of `value` (which must be present) left out.
    static func medianExcluding(_ sorted: [Double], _ value: Double) -> Double {
        // Index of one occurrence (the first not below `value`).
        var lo = 0, hi = sorted.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if sorted[mid] < value { lo = mid + 1 } else { hi = mid }
        }
        let r = lo
        let n = sorted.count - 1
        func at(_ j: Int) -> Double { j < r ? sorted[j] : sorted[j + 1] }
        guard n > 0 else { return .nan }
        return n % 2 == 1 ? at(n / 2) : (at(n / 2 - 1) + at(n / 2)) / 2
    }

    /// Median absolute deviation from the median (unscaled), nil when empty.
    public static func mad(_ values: [Double]) -> Double? {
        guard let m = median(values) else { return nil }
        return median(values.map { abs($0 - m) })
    }

    /// Rule for flagging a participant whose unaided accuracy stands far above the others.
    ///
    /// Leave-one-out: a participant is flagged when their accuracy exceeds the median of the
    /// OTHER participants by more than `k` robust standard deviations of the others
    /// (1.4826 x MAD), the deviation floored at `floor` so identical scores do not flag tiny
    /// differences. Needs at least `minOthers` other participants.
    public struct OutlierRule: Sendable, Equatable {
        public var k: Double = 2.5
        public var floor: Double = 0.05
        public var minOthers: Int = 3
        public init() {}

        /// Human-readable statement of the rule, printed with the participant table.
        public var description: String {
            "flagged when unaided accuracy > median of the other participants + "
                + "\(formatNumber(k)) x max(1.4826 x MAD of the others, \(formatNumber(floor * 100)) points); "
                + "needs >= \(minOthers) others; a flag never excludes (use --exclude)"
        }

        /// The threshold a participant must exceed, given the others' accuracies (nil: too few).
        public func threshold(others: [Double]) -> Double? {
            guard others.count >= minOthers, let m = Statistics.median(others),
                  let d = Statistics.mad(others) else { return nil }
            return m + k * max(1.4826 * d, floor)
        }

        /// Indices of flagged values. Exact leave-one-out in O(n log n): the median of the
        /// others comes from the sorted values by index, and the MAD of the others from the
        /// sorted deviations around that median (one sort per distinct leave-one-out median).
        public func flagged(_ values: [Double]) -> [Int] {
            guard values.count - 1 >= minOthers else { return [] }
            let sorted = values.sorted()
            var deviationsByMedian: [Double: [Double]] = [:]
            var out: [Int] = []
            for (i, v) in values.enumerated() {
                let m = Statistics.medianExcluding(sorted, v)
                if deviationsByMedian[m] == nil { deviationsByMedian[m] = values.map { abs($0 - m) }.sorted() }
                let devs = deviationsByMedian[m] ?? []
                let d = Statistics.medianExcluding(devs, abs(v - m))
                if v > m + k * max(1.4826 * d, floor) { out.append(i) }
            }
            return out
        }
    }

    // MARK: - Bootstrap interval

    /// Bias-corrected percentile interval (95%, or 1 - `alpha`) from bootstrap replicates and the
    /// point estimate.
    ///
    /// z0 = Phi^-1(share of replicates below the estimate, ties counted half); the interval is
    /// the replicates' quantiles at Phi(2 z0 -/+ z), z = 1.96 at alpha 0.05. With no bias (z0 = 0) this is the plain
    /// percentile interval. It contains the estimate whenever |z0| <= 1.96. Returns nil when
    /// there are no replicates.
    public static func biasCorrectedInterval(_ replicates: [Double], estimate: Double,
                                             alpha: Double = 0.05) -> (Double, Double)? {
        let reps = replicates.filter { $0.isFinite }
        guard !reps.isEmpty else { return nil }
        let sorted = reps.sorted()
        var below = 0.0
        for r in sorted {
            if r < estimate - 1e-12 { below += 1 } else if abs(r - estimate) <= 1e-12 { below += 0.5 }
        }
        let n = Double(sorted.count)
        // Keep the share inside (0, 1) so the normal quantile stays finite.
        let share = min(max(below / n, 0.5 / n), 1 - 0.5 / n)
        let z0 = normalQuantile(share)
        let z = alpha == 0.05 ? 1.959963984540054 : normalQuantile(1 - alpha / 2)
        let lowLevel = normalCDF(2 * z0 - z)
        let highLevel = normalCDF(2 * z0 + z)
        return (quantile(sorted, lowLevel), quantile(sorted, highLevel))
    }

    /// The replicates' 95% spread re-centred on the estimate: estimate + (quantile - mean of the
    /// replicates). Used for the weighted vote, whose two-way resamples are biased downward (a
    /// participant drawn twice votes twice, so resamples have fewer distinct voters). Contains
    /// the estimate unless the resamples are extremely skewed. Nil when there are none.
    public static func recenteredInterval(_ replicates: [Double], estimate: Double) -> (Double, Double)? {
        let reps = replicates.filter { $0.isFinite }
        guard !reps.isEmpty else { return nil }
        let sorted = reps.sorted()
        let mean = reps.reduce(0, +) / Double(reps.count)
        return (estimate + quantile(sorted, 0.025) - mean, estimate + quantile(sorted, 0.975) - mean)
    }

    /// An interval of a share clamped to 0...1 at both ends, so it never comes out inverted: a
    /// re-centred interval can lie wholly past 1 (or below 0) when the replicates' mean falls
    /// outside their own 2.5-97.5% range, as with 99% of resamples at 1 and a few far below.
    public static func clampedToUnit(_ ci: (Double, Double)) -> (Double, Double) {
        (min(max(0, ci.0), 1), max(min(1, ci.1), 0))
    }

    /// Quantile of sorted values by linear interpolation (type 7).
    public static func quantile(_ sorted: [Double], _ level: Double) -> Double {
        guard !sorted.isEmpty else { return .nan }
        let h = (Double(sorted.count) - 1) * min(max(level, 0), 1)
        let lo = Int(h.rounded(.down))
        let hi = min(lo + 1, sorted.count - 1)
        return sorted[lo] + (h - Double(lo)) * (sorted[hi] - sorted[lo])
    }

    /// Standard normal CDF.
    public static func normalCDF(_ x: Double) -> Double { 0.5 * erfc(-x / 2.0.squareRoot()) }

    /// Standard normal quantile (Acklam's rational approximation refined by one Newton step).
    public static func normalQuantile(_ p: Double) -> Double {
        guard p > 0, p < 1 else { return p <= 0 ? -.infinity : .infinity }
        let a = [-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
                 1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00]
        let b = [-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                 6.680131188771972e+01, -1.328068155288572e+01]
        let c = [-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                 -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00]
        let d = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
                 3.754408661907416e+00]
        let pLow = 0.02425
        var x: Double
        if p < pLow {
            let q = (-2 * log(p)).squareRoot()
            x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5])
                / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
        } else if p <= 1 - pLow {
            let q = p - 0.5
            let r = q * q
            x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q
                / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
        } else {
            let q = (-2 * log(1 - p)).squareRoot()
            x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5])
                / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
        }
        let e = normalCDF(x) - p
        let u = e * (2 * Double.pi).squareRoot() * exp(x * x / 2)
        x -= u / (1 + x * u / 2)
        return x
    }
}

/// Shortest plain rendering of a number for prose (no trailing `.0`).
func formatNumber(_ x: Double) -> String {
    if x == x.rounded() && abs(x) < 1e15 { return String(Int(x)) }
    return String(x)
}
