import Foundation
import OversightCore
@testable import OversightScoring
import XCTest

/// The power simulation: the scorer's own test, the right false-positive rate, power that grows
/// with participants and with the effect.
final class PowerTests: XCTestCase {
    let design = PowerDesign(task: .mmlu, unaidedItems: 12, assistedItems: 12)
    let model = PowerModel(unaidedAccuracy: 0.57, participantSD: 0.5, itemSD: 1.0, source: "test")

    /// The fast test gives exactly the interval `oversight score` reports for assisted -
    /// unaided on the same answers (same seed and resamples).
    func testSameIntervalAsTheScorer() throws {
        for (k, effect) in [0.0, 0.1, 0.25].enumerated() {
            var rng = SeededRandom(seed: UInt64(40 + k))
            let study = PowerSimulation.draw(design: design, model: model, effect: effect, participants: 9, rng: &rng)
            let fast = try XCTUnwrap(PowerSimulation.interval(study, resamples: 2000, alpha: 0.05, seed: 99, label: "mmlu"))
            var options = ScoreOptions()
            options.seed = 99
            options.resamples = 2000
            let report = Scorer.score(dataset(study), options: options)
            let diff = try XCTUnwrap(report.tasks.first?.differences.first { $0.name == "assisted - unaided" })
            let ci = try XCTUnwrap(diff.ci95)
            XCTAssertEqual(fast.estimate, diff.estimate, accuracy: 1e-12)
            XCTAssertEqual(fast.low, ci.0, accuracy: 1e-12)
            XCTAssertEqual(fast.high, ci.1, accuracy: 1e-12)
        }
    }

    /// The general-alpha interval is the scorer's at alpha 0.05 and narrows as alpha grows.
    func testAlphaInterval() {
        var rng = SeededRandom(seed: 3)
        let reps = (0..<2000).map { _ in rng.unit() - 0.4 }
        let est = 0.12
        let general = Statistics.biasCorrectedInterval(reps, estimate: est, alpha: 0.0500000001)
        let scorer = Statistics.biasCorrectedInterval(reps, estimate: est)
        XCTAssertEqual(general?.0 ?? .nan, scorer?.0 ?? 0, accuracy: 1e-6)
        XCTAssertEqual(general?.1 ?? .nan, scorer?.1 ?? 0, accuracy: 1e-6)
        let wide = Statistics.biasCorrectedInterval(reps, estimate: est, alpha: 0.01)
        let narrow = Statistics.biasCorrectedInterval(reps, estimate: est, alpha: 0.2)
        XCTAssertLessThan(wide?.0 ?? 0, narrow?.0 ?? 0)
        XCTAssertGreaterThan(wide?.1 ?? 0, narrow?.1 ?? 0)
    }

    /// With no effect the share of studies whose interval excludes 0 is the false-positive
    /// rate: 0.05 +- 0.03 over 500 simulated studies (Monte Carlo SE about 0.01). The design
    /// (24 participants, 10 + 10 questions) is one where the scorer's test holds its level; with
    /// very few participants it is conservative (both resampling ways count the answer-level
    /// noise), which `testTheScorersTestIsConservativeWithFewParticipants` pins down.
    func testTypeIErrorIsNearAlpha() {
        var options = PowerOptions()
        options.simulations = 500
        options.resamples = 400
        options.seed = 2026
        let points = PowerSimulation.run(design: PowerDesign(task: .mmlu, unaidedItems: 10, assistedItems: 10),
                                         model: model, effect: 0, participants: [24], options: options)
        let rate = points[0].power
        XCTAssertEqual(rate, 0.05, accuracy: 0.03, "false-positive rate \(rate)")
        XCTAssertEqual(points[0].se, (rate * (1 - rate) / 500).squareRoot(), accuracy: 1e-12)
    }

    /// With 6 participants the two-way bootstrap's interval is too wide: the false-positive
    /// rate stays well under alpha (power reports what the scorer's test really does).
    func testTheScorersTestIsConservativeWithFewParticipants() {
        var options = PowerOptions()
        options.simulations = 400
        options.resamples = 400
        options.seed = 7
        let points = PowerSimulation.run(design: PowerDesign(task: .mmlu, unaidedItems: 10, assistedItems: 10),
                                         model: model, effect: 0, participants: [6], options: options)
        XCTAssertLessThan(points[0].power, 0.04, "false-positive rate \(points[0].power)")
    }

    func testPowerGrowsWithParticipantsAndEffect() {
        var options = PowerOptions()
        options.simulations = 120
        options.resamples = 300
        let byN = PowerSimulation.run(design: design, model: model, effect: 0.15, participants: [4, 16, 48], options: options)
        XCTAssertLessThan(byN[0].power + 2 * byN[0].se, byN[2].power, "\(byN)")
        XCTAssertLessThanOrEqual(byN[0].power, byN[1].power + 0.05)
        XCTAssertLessThanOrEqual(byN[1].power, byN[2].power + 0.05)
        let small = PowerSimulation.run(design: design, model: model, effect: 0.05, participants: [16], options: options)
        let large = PowerSimulation.run(design: design, model: model, effect: 0.30, participants: [16], options: options)
        XCTAssertLessThan(small[0].power + 2 * small[0].se, large[0].power)
        // Deterministic for a seed, whatever the thread count.
        var one = options
        one.jobs = 1
        XCTAssertEqual(PowerSimulation.run(design: design, model: model, effect: 0.05, participants: [16], options: one), small)
    }

    func testInterceptGivesTheAskedAccuracy() {
        for a in [0.3, 0.57, 0.8] {
            XCTAssertEqual(model.meanAccuracy(mu: model.intercept(forAccuracy: a)), a, accuracy: 1e-6)
        }
    }

    /// The pilot estimate recovers the spreads it was drawn with (roughly: a moment estimate).
    func testPilotEstimateRecoversTheModel() throws {
        var rng = SeededRandom(seed: 12)
        let truth = PowerModel(unaidedAccuracy: 0.6, participantSD: 0.8, itemSD: 1.2, source: "truth")
        let big = PowerDesign(task: .mmlu, unaidedItems: 60, assistedItems: 60)
        let study = PowerSimulation.draw(design: big, model: truth, effect: 0.1, participants: 60, rng: &rng)
        let est = try XCTUnwrap(PowerPilot.estimate(dataset(study), task: .mmlu))
        XCTAssertEqual(est.unaidedAccuracy, 0.6, accuracy: 0.1)
        XCTAssertEqual(est.participantSD, 0.8, accuracy: 0.35)
        XCTAssertEqual(est.itemSD, 1.2, accuracy: 0.45)
    }

    /// A simulated study as the scorer's dataset: participants p000..., items q000... (unaided
    /// first), in the order the scorer sorts them.
    func dataset(_ s: PowerSimulation.Study) -> Dataset {
        var answers: [Answer] = []
        for p in 0..<s.participants {
            for i in 0..<s.items {
                let unaided = i < s.design.unaidedItems
                let c = s.correct[p * s.items + i] == 1
                answers.append(Answer(participant: Int32(p), session: Int32(p), item: Int32(i), subject: 0,
                                      block: unaided ? 0 : 1, index: Int32(i), task: .mmlu,
                                      condition: unaided ? .unaided : .assisted, choice: c ? 0 : 1, confidence: 60,
                                      gold: 0, correct: c, timedOut: false, elapsedMs: 1000, turns: 0, resets: 0,
                                      charsSent: 0, ttftStart: 0, ttftCount: 0, line: Int32(i + 2)))
            }
        }
        let ids = (0..<s.participants).map { String(format: "p%03d", $0) }
        return Dataset(studyID: "power", studyHash: "h", scale: [25, 42, 60, 80, 100],
                       sessions: ids.map { SessionInfo(path: "\($0).jsonl", participant: $0, sessionID: $0, studyHash: "h",
                                                       completed: true, planned: s.items, scale: [25, 42, 60, 80, 100],
                                                       bytes: 0) },
                       participants: ids, items: (0..<s.items).map { String(format: "q%03d", $0) },
                       itemTasks: Array(repeating: .mmlu, count: s.items), subjects: ["s"], answers: answers, ttftMs: [],
                       models: [], excluded: [], warnings: [], filesRead: s.participants, bytesRead: 0)
    }

    /// The report's page and JSON: one point per row, text escaped like the score report's.
    func testReportPageAndJSONCarryEveryPointAndEscapeText() throws {
        let points = [PowerPoint(participants: 10, power: 0.25, se: 0.04, simulations: 100),
                      PowerPoint(participants: 40, power: 0.81, se: 0.039, simulations: 100)]
        let page = PowerReport.html(points, design: design, model: model, effect: 0.1, alpha: 0.05, study: "a<b&\"c\"")
        XCTAssertTrue(page.contains("Power of study a&lt;b&amp;&quot;c&quot;"), page)
        XCTAssertFalse(page.contains("a<b"))
        XCTAssertEqual(page.components(separatedBy: "<circle").count - 1, 2)
        XCTAssertTrue(page.contains("<tr><td>40</td><td>0.810</td><td>0.039</td><td>100</td></tr>"))
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(PowerReport.json(points).utf8)) as? [[String: Any]])
        XCTAssertEqual(json.map { $0["participants"] as? Int }, [10, 40])
        XCTAssertEqual(json.last?["power"] as? Double, 0.81)
    }
}
