import Foundation
import OversightCore

/// The part of a study's design that power depends on: how many questions each participant
/// answers in each condition on one task. Every participant answers the same questions (a study
/// draws one seeded set for all), so items are crossed with participants and nested in
/// conditions, as in the scorer's test.
public struct PowerDesign: Sendable, Equatable {
    public var task: TaskKind
    public var unaidedItems: Int
    public var assistedItems: Int

    public init(task: TaskKind, unaidedItems: Int, assistedItems: Int) {
        self.task = task
        self.unaidedItems = unaidedItems
        self.assistedItems = assistedItems
    }
}

/// How answers vary: on the logit scale, P(correct) = logistic(mu_condition + u_p + v_i) with
/// participant ability u_p ~ N(0, participantSD^2) and item easiness v_i ~ N(0, itemSD^2).
/// mu_unaided gives the population an average unaided accuracy `unaidedAccuracy`; mu_assisted
/// gives an average assisted accuracy `unaidedAccuracy + effect`.
public struct PowerModel: Sendable, Equatable {
    public var unaidedAccuracy: Double
    public var participantSD: Double
    public var itemSD: Double
    /// Where the numbers come from ("defaults", "pilot Sessions/pilot-1: 12 participants ...").
    public var source: String

    /// Documented defaults: unaided accuracy of Bowman et al. 2022 (MMLU 57%, QuALITY 49%),
    /// participant SD 0.5 and item SD 1.0 logits (questions differ more than people).
    public static func defaults(task: TaskKind) -> PowerModel {
        PowerModel(unaidedAccuracy: task == .quality ? 0.49 : 0.57, participantSD: 0.5, itemSD: 1.0,
                   source: "defaults (unaided accuracy from Bowman et al. 2022, participant SD 0.5, item SD 1.0 logits)")
    }

    public init(unaidedAccuracy: Double, participantSD: Double, itemSD: Double, source: String) {
        self.unaidedAccuracy = unaidedAccuracy
        self.participantSD = participantSD
        self.itemSD = itemSD
        self.source = source
    }

    /// Population-average accuracy when the logit intercept is `mu`.
    public func meanAccuracy(mu: Double) -> Double {
        let sd = (participantSD * participantSD + itemSD * itemSD).squareRoot()
        if sd == 0 { return 1 / (1 + exp(-mu)) }
        // Midpoint rule over z in [-8, 8] against the standard normal density.
        let n = 321
        let h = 16.0 / Double(n)
        var sum = 0.0
        for k in 0..<n {
            let z = -8 + (Double(k) + 0.5) * h
            sum += exp(-z * z / 2) / (1 + exp(-(mu + sd * z)))
        }
        return sum * h / (2 * Double.pi).squareRoot()
    }

    /// The intercept whose population-average accuracy is `accuracy` (bisection).
    public func intercept(forAccuracy accuracy: Double) -> Double {
        var lo = -30.0, hi = 30.0
        for _ in 0..<100 {
            let mid = (lo + hi) / 2
            if meanAccuracy(mu: mid) < accuracy { lo = mid } else { hi = mid }
        }
        return (lo + hi) / 2
    }
}

/// Settings of a power simulation.
public struct PowerOptions: Sendable {
    public var simulations = 500
    /// Bootstrap resamples per simulated study (the scorer's default and minimum).
    public var resamples = 2000
    public var alpha = 0.05
    public var seed: UInt64 = 1
    public var jobs = ProcessInfo.processInfo.activeProcessorCount
    public init() {}
}

/// One row of the power table.
public struct PowerPoint: Sendable, Equatable {
    public var participants: Int
    public var power: Double
    /// Monte Carlo standard error of `power`: sqrt(p (1 - p) / simulations).
    public var se: Double
    public var simulations: Int
}

/// Power by simulation: draw many studies from the model, run on each the scorer's test of
/// assisted - unaided (the two-way bootstrap over participants and items, resampling items
/// within the unaided and assisted strata, bias-corrected percentile interval), and count how
/// often the interval excludes 0.
///
/// The test runs the scorer's own resampling (`BootstrapProblem.run`, same seeds and strata)
/// on the individual answers only: the vote statistics, which do not enter the difference, are
/// left out, which leaves the accuracies' replicates, and so the interval, exactly those of
/// `oversight score` (`PowerTests` checks this against `Scorer.score`).
public enum PowerSimulation {
    /// One simulated study's answers: per participant, per item (unaided items first), correct.
    public struct Study: Sendable {
        public var participants: Int
        public var design: PowerDesign
        /// `correct[p * items + i]`, items 0..<unaidedItems unaided, the rest assisted.
        public var correct: [UInt8]
        public var items: Int { design.unaidedItems + design.assistedItems }
    }

    /// Draw one study with `participants` people and a true difference `effect` (0...1).
    public static func draw(design: PowerDesign, model: PowerModel, effect: Double, participants: Int,
                            rng: inout SeededRandom) -> Study {
        let muU = model.intercept(forAccuracy: model.unaidedAccuracy)
        let muA = model.intercept(forAccuracy: min(0.999, max(0.001, model.unaidedAccuracy + effect)))
        let items = design.unaidedItems + design.assistedItems
        var itemEffect = [Double](repeating: 0, count: items)
        for i in 0..<items { itemEffect[i] = model.itemSD * rng.normal() }
        var correct = [UInt8](repeating: 0, count: participants * items)
        for p in 0..<participants {
            let u = model.participantSD * rng.normal()
            for i in 0..<items {
                let mu = i < design.unaidedItems ? muU : muA
                let prob = 1 / (1 + exp(-(mu + u + itemEffect[i])))
                correct[p * items + i] = rng.unit() < prob ? 1 : 0
            }
        }
        return Study(participants: participants, design: design, correct: correct)
    }

    /// The scorer's interval for assisted - unaided on one study (nil when a condition has no
    /// answers), at level 1 - alpha.
    public static func interval(_ s: Study, resamples: Int, alpha: Double, seed: UInt64, label: String)
        -> (estimate: Double, low: Double, high: Double)? {
        guard s.participants > 0, s.design.unaidedItems > 0, s.design.assistedItems > 0 else { return nil }
        let items = s.items
        var problem = BootstrapProblem(participants: s.participants, items: items,
                                       gold: [Int8](repeating: 0, count: items))
        for p in 0..<s.participants {
            for i in 0..<items {
                let c = i < s.design.unaidedItems ? Statistic.unaided : 1
                problem.answerP[c].append(Int32(p))
                problem.answerI[c].append(Int32(i))
                problem.answerC[c].append(s.correct[p * items + i])
            }
        }
        // The scorer's strata: answered only unaided, only assisted, both, model only.
        problem.strata = [(0..<s.design.unaidedItems).map { Int32($0) },
                          (s.design.unaidedItems..<items).map { Int32($0) }, [], []]
        let result = problem.run(resamples: resamples, seed: seed, label: label, jobs: 1)
        let unaided = Statistic.accuracy(group: Statistic.unaided), assisted = Statistic.accuracy(group: 1)
        guard result.point(unaided).isFinite, result.point(assisted).isFinite else { return nil }
        let est = result.point(assisted) - result.point(unaided)
        let diff = zip(result.replicates(assisted), result.replicates(unaided)).map { $0 - $1 }
        guard let ci = Statistics.biasCorrectedInterval(diff, estimate: est, alpha: alpha) else { return nil }
        return (est, max(-1, ci.0), min(1, ci.1))
    }

    /// Estimated power for each number of participants. Deterministic for a seed, whatever
    /// `jobs` is. `progress` gets (simulations done, total) now and then.
    public static func run(design: PowerDesign, model: PowerModel, effect: Double, participants: [Int],
                           options: PowerOptions, progress: @Sendable (Int, Int) -> Void = { _, _ in }) -> [PowerPoint] {
        let sims = max(1, options.simulations)
        let total = sims * participants.count
        let hits = HitTable(count: total)
        let serial = min(options.jobs, total) <= 1
        ParallelWork.forEach(count: total, jobs: options.jobs, local: {}) { _, k in
            let n = participants[k / sims], s = k % sims
            var rng = SeededRandom(seed: options.seed, label: "power/\(n)/\(s)")
            let study = draw(design: design, model: model, effect: effect, participants: n, rng: &rng)
            let ci = interval(study, resamples: options.resamples, alpha: options.alpha, seed: rng.next(),
                              label: design.task.rawValue)
            hits.set(k, ci.map { $0.low > 0 || $0.high < 0 } ?? false)
            if serial || k % 50 == 0 { progress(hits.done(), total) }
        }
        return participants.enumerated().map { j, n in
            let h = (0..<sims).reduce(0) { $0 + (hits.get(j * sims + $1) ? 1 : 0) }
            let p = Double(h) / Double(sims)
            return PowerPoint(participants: n, power: p, se: (p * (1 - p) / Double(sims)).squareRoot(), simulations: sims)
        }
    }

    /// Detections written by several threads, each slot by one.
    final class HitTable: @unchecked Sendable {
        private let lock = NSLock()
        private var hits: [Bool]
        private var finished = 0
        init(count: Int) { hits = [Bool](repeating: false, count: count) }
        func set(_ k: Int, _ v: Bool) {
            lock.lock()
            hits[k] = v
            finished += 1
            lock.unlock()
        }
        func get(_ k: Int) -> Bool { lock.withLock { hits[k] } }
        func done() -> Int { lock.withLock { finished } }
    }
}
