import OversightCore
@testable import OversightScoring
import XCTest

final class StatisticsTests: XCTestCase {
    typealias Ballot = Statistics.Ballot

    // MARK: Weighted vote

    func testVoteMatchesProductOfDistributions() {
        // A@80 vs B@60 twice: products A = .8 * (.4/3)^2 = .01422, B = (.2/3) * .6 * .6 = .024.
        let v = Statistics.vote([Ballot(choice: 0, confidence: 0.8), Ballot(choice: 1, confidence: 0.6),
                                 Ballot(choice: 1, confidence: 0.6)], gold: 1)
        XCTAssertEqual(v.winners, [1])
        XCTAssertEqual(v.credit, 1)
        // Normalised winner: .024 / (.01422 + .024 + 2 * (.2/3)(.4/3)(.4/3)).
        let a = 0.8 * (0.4 / 3) * (0.4 / 3), b = (0.2 / 3) * 0.6 * 0.6, other = (0.2 / 3) * (0.4 / 3) * (0.4 / 3)
        XCTAssertEqual(v.confidence, b / (a + b + 2 * other), accuracy: 1e-12)
        XCTAssertEqual(Statistics.vote([Ballot(choice: 0, confidence: 0.8)], gold: 2).credit, 0)
    }

    func testHundredPercentCountsAsNinetyNine() {
        // A@100 against B@80 three times. With p = 1 the other options' products would be 0 and
        // A would win; with 99%: A = .99 (.2/3)^3 = 2.9e-4 < B = (.01/3) .8^3 = 1.7e-3.
        let ballots = [Ballot(choice: 0, confidence: 1.0)] + Array(repeating: Ballot(choice: 1, confidence: 0.8), count: 3)
        let v = Statistics.vote(ballots, gold: 0)
        XCTAssertEqual(v.winners, [1])
        XCTAssertEqual(v.credit, 0)
        XCTAssertEqual(Statistics.voteWeight(confidence: 1.0), log(3 * 0.99 / 0.01), accuracy: 1e-12)
        XCTAssertTrue(Statistics.voteWeight(confidence: 1.0).isFinite)
    }

    func testTiesGiveFractionalCreditAndNeverFavourA() {
        let tie = [Ballot(choice: 0, confidence: 0.8), Ballot(choice: 1, confidence: 0.8)]
        XCTAssertEqual(Statistics.vote(tie, gold: 0).winners, [0, 1])
        XCTAssertEqual(Statistics.vote(tie, gold: 0).credit, 0.5)
        XCTAssertEqual(Statistics.vote(tie, gold: 1).credit, 0.5)
        XCTAssertEqual(Statistics.vote(tie, gold: 2).credit, 0)
        // Sums reached in different orders still tie.
        let mixed = [Ballot(choice: 2, confidence: 0.6), Ballot(choice: 2, confidence: 0.8),
                     Ballot(choice: 3, confidence: 0.8), Ballot(choice: 3, confidence: 0.6)]
        XCTAssertEqual(Statistics.vote(mixed, gold: 3).credit, 0.5)
        // No usable ballot (none, timed out, 25%): a 4-way tie, 1/4 whatever the gold.
        let empty = [Ballot(choice: nil, confidence: nil), Ballot(choice: 1, confidence: 0.25)]
        for gold in 0..<4 { XCTAssertEqual(Statistics.vote(empty, gold: gold).credit, 0.25) }
        XCTAssertEqual(Statistics.vote(empty, gold: 0).confidence, 0.25, accuracy: 1e-12)
    }

    /// The resampling loop's credit (weighted, unchecked) and the point estimate's outcome agree
    /// on random tallies, ties included.
    func testTallyCreditAgreesWithOutcome() {
        var rng = SeededRandom(seed: 21)
        let weights = [0.42, 0.6, 0.8, 0.99].map { Statistics.voteWeight(confidence: $0) }
        var tally = VoteTally(items: 500)
        for item in 0..<500 {
            for _ in 0..<rng.below(6) {
                tally.add(item: item, option: rng.below(4), weight: weights[rng.below(weights.count)])
            }
        }
        var ties = 0
        for item in 0..<500 {
            for gold in 0..<4 {
                let outcome = tally.outcome(item: item, gold: gold)
                XCTAssertEqual(tally.credit(item: item, gold: gold), outcome.credit)
                XCTAssertEqual(tally.credit(item: item, gold: gold, weight: 3), 3 * outcome.credit, accuracy: 1e-12)
                if gold == 0 && outcome.winners.count > 1 { ties += 1 }
            }
        }
        XCTAssertGreaterThan(ties, 20, "the sample has ties")
        var copy = tally
        let unchecked = copy.withUnchecked { u in (0..<500).map { u.credit(item: $0, gold: 1, weight: 1) } }
        XCTAssertEqual(unchecked, (0..<500).map { tally.credit(item: $0, gold: 1) })
        copy.withUnchecked { u in u.clear(item: 7) }
        XCTAssertEqual(copy.scores(item: 7), [0, 0, 0, 0])
        XCTAssertEqual(copy.outcome(item: 7, gold: 2).credit, 0.25)
    }

    /// The vote of ballots is the tally of their weights: what the scorer's vote rows compute.
    func testVoteOfBallotsIsTheTallyOfTheirWeights() {
        let ballots = [Ballot(choice: 0, confidence: 0.8), Ballot(choice: 1, confidence: 0.6), Ballot(choice: 1, confidence: 0.6),
                       Ballot(choice: nil, confidence: nil)]
        var tally = VoteTally(items: 3)
        for b in ballots { tally.add(item: 2, b) }
        XCTAssertEqual(tally.scores(item: 2), [Statistics.voteWeight(confidence: 0.8), 2 * Statistics.voteWeight(confidence: 0.6), 0, 0])
        XCTAssertEqual(tally.scores(item: 0), [0, 0, 0, 0])
        XCTAssertEqual(tally.outcome(item: 2, gold: 1), Statistics.vote(ballots, gold: 1))
    }

    // MARK: Calibration and Brier

    func testNearestBin() {
        let s = Statistics.defaultScale
        XCTAssertEqual(Statistics.nearestBin(0.25, scale: s), 0)
        XCTAssertEqual(Statistics.nearestBin(0.42, scale: s), 1)
        XCTAssertEqual(Statistics.nearestBin(0.335, scale: s), 0)  // halfway 25/42: the lower bin
        XCTAssertEqual(Statistics.nearestBin(0.7, scale: s), 2)    // halfway 60/80: the lower bin
        XCTAssertEqual(Statistics.nearestBin(0.71, scale: s), 3)
        XCTAssertEqual(Statistics.nearestBin(0.99, scale: s), 4)
        XCTAssertEqual(Statistics.nearestBin(0.5, scale: [10, 50, 90]), 1)
    }

    func testCalibrationErrorBrierAndMeanConfidence() {
        var acc = Statistics.CalibrationAccumulator(scale: Statistics.defaultScale)
        for c in [1.0, 0, 0, 0] { acc.add(confidence: 0.25, credit: c) }        // acc .25 at 25: |0|
        for c in [1.0, 1, 0, 1, 1] { acc.add(confidence: 0.8, credit: c) }     // acc .8 at 80: |0|
        for c in [1.0, 0] { acc.add(confidence: 1.0, credit: c) }              // acc .5 at 100: .5
        XCTAssertEqual(acc.calibrationError ?? -1, 0.5 / 3, accuracy: 1e-12)  // 42 and 60 empty: not counted
        // Brier: 25 bin .5625 + 3 x .0625; 80 bin 4 x .04 + .64; 100 bin 0 + 1.
        XCTAssertEqual(acc.brier ?? -1, (0.75 + 0.8 + 1.0) / 11, accuracy: 1e-12)
        XCTAssertEqual(acc.meanConfidence ?? -1, (4 * 0.25 + 5 * 0.8 + 2 * 1.0) / 11, accuracy: 1e-12)
        XCTAssertEqual(acc.bins.map(\.count), [4, 0, 0, 5, 2])
        XCTAssertNil(Statistics.CalibrationAccumulator(scale: [25, 50]).calibrationError)
    }

    func testCustomScaleBins() {
        var acc = Statistics.CalibrationAccumulator(scale: [50, 75, 100])
        acc.add(confidence: 0.5, credit: 1)
        acc.add(confidence: 0.5, credit: 0)
        acc.add(confidence: 0.75, credit: 0)
        XCTAssertEqual(acc.calibrationError ?? -1, (0 + 0.75) / 2, accuracy: 1e-12)
    }

    // MARK: Robust summaries and the outlier flag

    func testMedianMADAndOutlierRule() {
        XCTAssertEqual(Statistics.median([3, 1, 2]), 2)
        XCTAssertEqual(Statistics.median([4, 1, 2, 3]), 2.5)
        XCTAssertNil(Statistics.median([]))
        XCTAssertEqual(Statistics.mad([1, 2, 3, 4, 100]), 1)
        let rule = Statistics.OutlierRule()
        // Others .5, .55, .6, .5: median .525, MAD .025 -> 1.4826 x .025 = .037 < floor .05;
        // threshold .525 + 2.5 x .05 = .65.
        XCTAssertEqual(rule.threshold(others: [0.5, 0.55, 0.6, 0.5]) ?? -1, 0.65, accuracy: 1e-12)
        XCTAssertEqual(rule.flagged([0.5, 0.55, 0.9, 0.6, 0.5]), [2])
        XCTAssertEqual(rule.flagged([0.5, 0.55, 0.62, 0.6, 0.5]), [])
        XCTAssertEqual(rule.flagged([0.1, 0.9, 0.5]), [], "too few others to judge")
    }

    func testFastLeaveOneOutMatchesNaive() {
        let rule = Statistics.OutlierRule()
        var rng = SeededRandom(seed: 17)
        for n in [4, 5, 6, 9, 30] {
            for _ in 0..<40 {
                // Accuracies on 10 questions (many ties), sometimes one far above.
                var v = (0..<n).map { _ in Double(3 + rng.below(4)) / 10 }
                if rng.below(2) == 0 { v[rng.below(n)] = 1.0 }
                let naive = v.indices.filter { i in
                    var others = v
                    others.remove(at: i)
                    return rule.threshold(others: others).map { v[i] > $0 } ?? false
                }
                XCTAssertEqual(rule.flagged(v), naive, "\(v)")
            }
        }
    }

    // MARK: Intervals and the bootstrap

    func testBiasCorrectedIntervalIsPercentileWithoutBias() {
        let reps = (0..<1001).map { Double($0) / 1000 }
        guard let ci = Statistics.biasCorrectedInterval(reps, estimate: 0.5) else { return XCTFail("no interval") }
        XCTAssertEqual(ci.0, 0.025, accuracy: 1e-3)
        XCTAssertEqual(ci.1, 0.975, accuracy: 1e-3)
        XCTAssertEqual(Statistics.normalQuantile(0.975), 1.959963984540054, accuracy: 1e-9)
        XCTAssertEqual(Statistics.normalQuantile(0.01), -2.3263478740408408, accuracy: 1e-9)
        XCTAssertNil(Statistics.biasCorrectedInterval([], estimate: 0))
        // Re-centred: replicates 0.2...0.4 (mean 0.3) around an estimate of 0.5 -> about 0.405...0.595.
        let shifted = (0...200).map { 0.2 + Double($0) / 1000 }
        guard let rc = Statistics.recenteredInterval(shifted, estimate: 0.5) else { return XCTFail("no interval") }
        XCTAssertEqual(rc.0, 0.5 + 0.205 - 0.3, accuracy: 1e-9)
        XCTAssertEqual(rc.1, 0.5 + 0.395 - 0.3, accuracy: 1e-9)
    }

    /// A small two-task-free problem: 6 participants x 20 items per condition.
    func makeProblem(models: Int = 1, dropSomeBallots: Bool = false) -> BootstrapProblem {
        var rng = SeededRandom(seed: 99)
        var p = BootstrapProblem(participants: 6, items: 40, gold: (0..<40).map { Int8($0 % 4) })
        for c in 0..<2 {
            for part in 0..<6 {
                for item in (c * 20)..<(c * 20 + 20) {
                    let right = rng.unit() < (c == 0 ? 0.5 : 0.75)
                    let choice = right ? item % 4 : (item + 1) % 4
                    p.answerP[c].append(Int32(part))
                    p.answerI[c].append(Int32(item))
                    p.answerC[c].append(right ? 1 : 0)
                    p.ballotP[c].append(Int32(part))
                    p.ballotI[c].append(Int32(item))
                    p.ballotChoice[c].append(Int32(choice))
                    p.ballotWeight[c].append(Statistics.voteWeight(confidence: [0.42, 0.6, 0.8][rng.below(3)]))
                }
            }
            p.voteItems[c] = (0..<20).map { Int32(c * 20 + $0) }
        }
        if dropSomeBallots {
            // Leave out every fifth ballot (as if those answers were uniform): the two-pass path.
            for c in 0..<2 {
                let keep = p.ballotP[c].indices.filter { $0 % 5 != 0 }
                p.ballotP[c] = keep.map { p.ballotP[c][$0] }
                p.ballotI[c] = keep.map { p.ballotI[c][$0] }
                p.ballotChoice[c] = keep.map { p.ballotChoice[c][$0] }
                p.ballotWeight[c] = keep.map { p.ballotWeight[c][$0] }
            }
        }
        for _ in 0..<models {
            p.modelI.append((0..<40).map(Int32.init))
            p.modelC.append((0..<40).map { _ in rng.unit() < 0.6 ? 1 : 0 })
        }
        return p
    }

    func testBootstrapIsDeterministicForASeedAndIndependentOfThreads() {
        let p = makeProblem()
        let a = p.run(resamples: 300, seed: 5, label: "t", jobs: 1)
        let b = p.run(resamples: 300, seed: 5, label: "t", jobs: 2)
        let c = p.run(resamples: 300, seed: 6, label: "t", jobs: 2)
        XCTAssertEqual(a.point, b.point)
        XCTAssertEqual(a.replicates, b.replicates)
        XCTAssertNotEqual(a.replicates, c.replicates)
        XCTAssertEqual(a.replicates.count, p.statCount)
        XCTAssertEqual(a.replicates[0].count, 300)
    }

    func testOnePassAndTwoPassLayoutsAgree() {
        // The same problem with ballots of weight 0 instead of missing ballots.
        let sparse = makeProblem(dropSomeBallots: true)
        var dense = makeProblem()
        for c in 0..<2 { for k in dense.ballotWeight[c].indices where k % 5 == 0 { dense.ballotWeight[c][k] = 0 } }
        XCTAssertEqual(dense.prepare().aligned, [true, true])
        XCTAssertEqual(sparse.prepare().aligned, [false, false])
        let a = sparse.run(resamples: 200, seed: 3, label: "x", jobs: 2)
        let b = dense.run(resamples: 200, seed: 3, label: "x", jobs: 2)
        XCTAssertEqual(a.point, b.point)
        XCTAssertEqual(a.replicates, b.replicates)
    }

    func testPointEstimatesMatchDirectFormulas() {
        let p = makeProblem()
        let r = p.run(resamples: 0, seed: 1, label: "t", jobs: 1)
        for c in 0..<2 {
            let direct = Double(p.answerC[c].reduce(0) { $0 + Int($1) }) / Double(p.answerC[c].count)
            XCTAssertEqual(r.point(.accuracy(group: c)), direct, accuracy: 1e-12)
            // The vote, item by item, each in a tally of its own.
            var credit = 0.0
            for item in p.voteItems[c] {
                var tally = VoteTally(items: 1)
                for k in p.ballotP[c].indices where p.ballotI[c][k] == item {
                    tally.add(item: 0, option: Int(p.ballotChoice[c][k]), weight: p.ballotWeight[c][k])
                }
                credit += tally.outcome(item: 0, gold: Int(p.gold[Int(item)])).credit
            }
            XCTAssertEqual(r.point(.voteAccuracy(group: c)), credit / Double(p.voteItems[c].count), accuracy: 1e-12)
        }
        let model = Double(p.modelC[0].reduce(0) { $0 + Int($1) }) / 40
        XCTAssertEqual(r.point(.model(0)), model, accuracy: 1e-12)
    }

    func testStatisticColumnsAreDistinctAndInOrder() {
        let all: [Statistic] = [.accuracy(group: Statistic.unaided), .accuracy(group: 1),
                                .voteAccuracy(group: Statistic.unaided), .voteAccuracy(group: 1), .model(0), .model(1)]
        XCTAssertEqual(all.map { $0.column(groups: 2) }, Array(0..<6))
        XCTAssertEqual(all.map(\.isVote), [false, false, true, true, false, false])
        XCTAssertEqual(makeProblem(models: 2).statCount, 6)
        // Three groups (unaided and two assistants): accuracies, then votes, then models.
        let three: [Statistic] = [.accuracy(group: 0), .accuracy(group: 1), .accuracy(group: 2),
                                  .voteAccuracy(group: 0), .voteAccuracy(group: 1), .voteAccuracy(group: 2), .model(0)]
        XCTAssertEqual(three.map { $0.column(groups: 3) }, Array(0..<7))
    }

    func testIntervalsContainThePointEstimate() {
        let p = makeProblem()
        let r = p.run(resamples: 2000, seed: 11, label: "t", jobs: 2)
        let all: [Statistic] = (0..<2).flatMap { [.accuracy(group: $0), .voteAccuracy(group: $0)] } + [.model(0)]
        XCTAssertEqual(all.count, p.statCount)
        for k in all {
            guard let ci = k.isVote ? Statistics.recenteredInterval(r.replicates(k), estimate: r.point(k))
                : Statistics.biasCorrectedInterval(r.replicates(k), estimate: r.point(k)) else {
                return XCTFail("no interval for stat \(k)")
            }
            XCTAssertLessThanOrEqual(ci.0, r.point(k), "stat \(k)")
            XCTAssertGreaterThanOrEqual(ci.1, r.point(k), "stat \(k)")
            XCTAssertLessThan(ci.0, ci.1, "stat \(k): a real spread")
        }
    }

    /// A vote's re-centred interval is clamped at both ends: with 99 of 100 resamples at 1 and
    /// one at 0 it used to come out as [1.01, 1.0].
    func testRecentredVoteIntervalIsNeverInverted() throws {
        let replicates = Array(repeating: 1.0, count: 99) + [0.0]
        let raw = try XCTUnwrap(Statistics.recenteredInterval(replicates, estimate: 1.0))
        XCTAssertGreaterThan(raw.0, 1, "the unclamped interval lies past 1")
        let ci = Statistics.clampedToUnit(raw)
        XCTAssertEqual(ci.0, 1.0)
        XCTAssertEqual(ci.1, 1.0)
        XCTAssertLessThanOrEqual(ci.0, ci.1)
        let low = Statistics.clampedToUnit((-0.2, -0.05))
        XCTAssertEqual(low.0, 0)
        XCTAssertEqual(low.1, 0)
        let inside = Statistics.clampedToUnit((0.4, 0.6))
        XCTAssertEqual(inside.0, 0.4)
        XCTAssertEqual(inside.1, 0.6)
    }
}
