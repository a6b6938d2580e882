import Foundation
import OversightCore
@testable import OversightScoring
import XCTest

/// Every reliance measure against hand-computed cases, empty denominators, the bootstrap, and
/// the path from logs and stance files through the scorer to its outputs.
final class RelianceTests: XCTestCase {
    /// An assisted answer: gold, final choice, initial choice (nil: none), stance (nil: no
    /// record, -1: the assistant endorsed none), confidences.
    static func answer(p: Int32 = 0, item: Int32, gold: Int8 = 0, final: Int8, initial: Int8?, stance: Int8?,
                       conf: Int16 = 60, initialConf: Int16? = 60) -> Answer {
        var a = Answer(participant: p, session: p, item: item, subject: 0, block: 0, index: item, task: .mmlu,
                       condition: .assisted, choice: final, confidence: conf, gold: gold, correct: final == gold,
                       timedOut: false, elapsedMs: 1000, turns: 1, resets: 0, charsSent: 10, ttftStart: 0, ttftCount: 0,
                       line: 1)
        if let initial {
            a.initialChoice = initial
            a.initialConfidence = initialConf ?? -1
        }
        a.stance = stance ?? Answer.stanceUnknown
        return a
    }

    /// Six answers, gold A (0) throughout; see each line for what it adds.
    static let handCase: [Answer] = [
        // I wrong (B), S right (A), F = A: agrees, switched to the stance, RAIR hit; +40 points, right.
        answer(item: 0, final: 0, initial: 1, stance: 0, conf: 80, initialConf: 40),
        // I right, S wrong (C), F keeps A: RSR hit, no over-reliance; 0 points, right.
        answer(item: 1, final: 0, initial: 0, stance: 2, conf: 60, initialConf: 60),
        // I right, S wrong (C), F = C: over-reliance, RSR miss; +20 points, wrong.
        answer(item: 2, final: 2, initial: 0, stance: 2, conf: 80, initialConf: 60),
        // I = S = B (wrong), F = B: agrees, over-relies, no switch; +20 points, wrong.
        answer(item: 3, final: 1, initial: 1, stance: 1, conf: 100, initialConf: 80),
        // The assistant endorsed nothing: only the switch (C to D) counts; 0 points, wrong.
        answer(item: 4, final: 3, initial: 2, stance: -1, conf: 25, initialConf: 25),
        // No initial answer (a one-stage block), S right, F = B: under-relies.
        answer(item: 5, final: 1, initial: nil, stance: 0),
    ]

    func testEveryMeasureOnTheHandComputedCase() throws {
        let r = try XCTUnwrap(Reliance.stats(Self.handCase))
        func check(_ m: RelianceMetric, _ value: Double?, _ n: Int, line: UInt = #line) {
            XCTAssertEqual(r[m].n, n, m.rawValue, line: line)
            if let value {
                XCTAssertEqual(r[m].value ?? .nan, value, accuracy: 1e-12, m.rawValue, line: line)
            } else {
                XCTAssertNil(r[m].value, m.rawValue, line: line)
            }
            XCTAssertNil(r[m].ci95, "no interval without resamples", line: line)
        }
        check(.agreement, 3.0 / 5, 5)        // items 0, 1, 2, 3, 5 have a stance; 0, 2, 3 agree
        check(.switchRate, 3.0 / 5, 5)       // items 0-4 have an initial answer; 0, 2, 4 switched
        check(.switchToStance, 2.0 / 3, 3)   // I ≠ S on 0, 1, 2; 0 and 2 went to the stance
        check(.rair, 1, 1)                   // only item 0 is (I wrong, S right)
        check(.rsr, 1.0 / 2, 2)              // items 1 and 2 are (I right, S wrong); 1 kept
        check(.overReliance, 2.0 / 3, 3)     // S wrong on 1, 2, 3; F = S on 2 and 3
        check(.underReliance, 1.0 / 2, 2)    // S right on 0 and 5; F ≠ S on 5
        check(.confidenceShift, 80.0 / 5, 5) // +40, 0, +20, +20, 0
        check(.confidenceShiftRight, 20, 2)  // +40 and 0
        check(.confidenceShiftWrong, 40.0 / 3, 3)  // +20, +20, 0
        XCTAssertEqual(r.chart, [
            RelianceChartBar(stanceRight: true, n: 1, initialAccuracy: 0, finalAccuracy: 1),
            RelianceChartBar(stanceRight: false, n: 3, initialAccuracy: 2.0 / 3, finalAccuracy: 1.0 / 3),
        ])
    }

    func testEmptyDenominatorsAreAbsentNotZero() throws {
        // Initial answers but no stance records: only the switch rate and the shifts exist.
        let noStance = Self.handCase.prefix(5).map { a -> Answer in
            var a = a
            a.stance = Answer.stanceUnknown
            return a
        }
        let r = try XCTUnwrap(Reliance.stats(noStance, resamples: 200, seed: 3))
        for m in [RelianceMetric.agreement, .switchToStance, .rair, .rsr, .overReliance, .underReliance] {
            XCTAssertNil(r[m].value, m.rawValue)
            XCTAssertEqual(r[m].n, 0, m.rawValue)
            XCTAssertNil(r[m].ci95, m.rawValue)
        }
        XCTAssertEqual(r[.switchRate].value, 3.0 / 5)
        XCTAssertEqual(r.chart, [])
        // Every answer right: no wrong-side confidence shift.
        let allRight = [Self.answer(item: 0, final: 0, initial: 1, stance: 0)]
        let r2 = try XCTUnwrap(Reliance.stats(allRight))
        XCTAssertNil(r2[.confidenceShiftWrong].value)
        XCTAssertEqual(r2[.confidenceShiftWrong].n, 0)
        XCTAssertNil(r2[.rsr].value)
        XCTAssertNil(r2[.overReliance].value)
        // Nothing to measure at all: no reliance object.
        XCTAssertNil(Reliance.stats([Self.answer(item: 0, final: 0, initial: nil, stance: nil)]))
        // Unaided answers never count.
        var unaided = Self.handCase[0]
        unaided.condition = .unaided
        XCTAssertNil(Reliance.stats([unaided]))
        // In the JSON, an absent measure is null with n = 0 and no interval.
        let json = JSONRenderer.reliance(r, intervals: true).text()
        XCTAssertTrue(json.contains("\"rair\": {\n  \"value\": null,\n  \"n\": 0\n}") || json.contains("\"rair\": {\n    \"value\": null,\n    \"n\": 0\n  }"), json)
        XCTAssertFalse(json.contains("\"value\": 0,"), json)
    }

    func testBootstrapIntervalsAreSeededAndHoldTheEstimate() throws {
        // Two participants answering the same six items the same way.
        let answers = Self.handCase + Self.handCase.map { a -> Answer in
            var a = a
            a.participant = 1
            a.session = 1
            return a
        }
        let a = try XCTUnwrap(Reliance.stats(answers, resamples: 500, seed: 9, label: "t"))
        let b = try XCTUnwrap(Reliance.stats(answers, resamples: 500, seed: 9, label: "t", jobs: 1))
        let c = try XCTUnwrap(Reliance.stats(answers, resamples: 500, seed: 9, label: "t", jobs: 3))
        XCTAssertEqual(a, b)
        XCTAssertEqual(b, c, "the same intervals whatever the thread count")
        XCTAssertNotEqual(a, Reliance.stats(answers, resamples: 500, seed: 10, label: "t"), "another seed, other draws")
        for m in RelianceMetric.allCases {
            let v = a[m]
            let ci = try XCTUnwrap(v.ci95, m.rawValue)
            let x = try XCTUnwrap(v.value)
            XCTAssertLessThanOrEqual(ci.0, x + 1e-9, m.rawValue)
            XCTAssertGreaterThanOrEqual(ci.1, x - 1e-9, m.rawValue)
            if m.isShare { XCTAssertTrue(ci.0 >= 0 && ci.1 <= 1, m.rawValue) }
        }
        // Item resampling moves the agreement: its interval is not a point.
        let ag = try XCTUnwrap(a[.agreement].ci95)
        XCTAssertLessThan(ag.0, ag.1)
        XCTAssertEqual(a[.agreement].n, 10)
    }

    // MARK: - From logs and stance files to the report

    var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("reliance-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    /// A finished log of `participant`: one assisted two-stage MMLU block; per question
    /// (gold, initial, final).
    func writeLog(_ participant: String, _ questions: [(gold: Int, initial: Int?, final: Int)]) throws {
        let url = dir.appendingPathComponent("\(participant).jsonl")
        let writer = try SessionLogWriter.create(at: url)
        var mono: Int64 = 0
        func add(_ e: SessionEvent) throws {
            mono += 100
            _ = try writer.append(e, monoMs: mono)
        }
        let ids = questions.indices.map { "mmlu/virology/val/\($0)" }
        try add(.sessionStart(SessionStart(
            studyID: "rel", studyHash: String(repeating: "c", count: 64), questionsHash: String(repeating: "d", count: 64),
            seed: 1, appVersion: "0.1.0", participant: participant, sessionID: "s-\(participant)", feedback: false,
            confidence: [25, 42, 60, 80, 100],
            blocks: [BlockPlan(condition: .assisted, questionIDs: ids, timeLimitSeconds: nil, initialAnswer: true)],
            assistantProvider: "simulated", assistantModel: nil)))
        for (k, q) in questions.enumerated() {
            try add(.questionShown(QuestionShown(block: 0, index: k, questionID: ids[k], task: .mmlu, subject: "virology",
                                                 condition: .assisted, timeLimitMs: nil)))
            if let i = q.initial {
                try add(.initialSubmitted(InitialSubmission(questionID: ids[k], choice: i, confidence: 42, elapsedMs: 100)))
            }
            try add(.chatSent(questionID: ids[k], requestID: k + 1, text: "which?"))
            try add(.assistantReply(AssistantReply(questionID: ids[k], requestID: k + 1, text: "B", status: .complete,
                                                   provider: "simulated", durationMs: 50)))
            try add(.submitted(Submission(block: 0, index: k, questionID: ids[k], task: .mmlu, subject: "virology",
                                          condition: .assisted, choice: q.final, confidence: 80, gold: q.gold,
                                          correct: q.final == q.gold, timedOut: false, elapsedMs: 300)))
        }
        try add(.sessionEnd(completionCode: "x"))
        writer.close()
    }

    func writeStances(_ name: String, _ records: [StanceRecord]) throws {
        try Data(records.map { $0.line() + "\n" }.joined().utf8).write(to: dir.appendingPathComponent(name))
    }

    func testLogsAndStanceFilesThroughTheScorer() throws {
        try writeLog("ana", [(0, 1, 0), (0, 0, 0), (0, 0, 2)])
        try writeLog("ben", [(0, 0, 2), (0, 2, 3), (0, 1, 1)])
        try writeStances("stance-simulated.jsonl", [
            StanceRecord(participant: "ana", questionID: "mmlu/virology/val/0", stance: 0, method: "simulated", model: nil),
            StanceRecord(participant: "ana", questionID: "mmlu/virology/val/1", stance: 2, method: "simulated", model: nil),
            StanceRecord(participant: "ana", questionID: "mmlu/virology/val/2", stance: 2, method: "simulated", model: nil),
            StanceRecord(participant: "ben", questionID: "mmlu/virology/val/0", stance: 2, method: "simulated", model: nil),
            StanceRecord(participant: "ben", questionID: "mmlu/virology/val/1", stance: nil, method: "simulated", model: nil),
        ])
        // A hand-coded file that agrees on one and names one more.
        try writeStances("stance-hand.jsonl", [
            StanceRecord(participant: "ben", questionID: "mmlu/virology/val/2", stance: 1, method: "hand", model: nil),
            StanceRecord(participant: "ana", questionID: "mmlu/virology/val/0", stance: 0, method: "hand", model: "coder-2"),
        ])
        let inputs = try DatasetLoader.discover(path: dir.path)
        XCTAssertEqual(inputs.logs.count, 2, "stance files are not session logs")
        XCTAssertEqual(inputs.stances.count, 2)
        var d = DatasetLoader.load(logs: inputs.logs, baselines: inputs.baselines, jobs: 1)
        try StanceLoader.apply(paths: inputs.stances, to: &d)
        XCTAssertFalse(d.warnings.contains { $0.kind == .stance }, "\(d.warnings)")
        XCTAssertEqual(d.answers.map(\.initialChoice), [1, 0, 0, 0, 2, 1])
        XCTAssertEqual(d.answers.map(\.stance), [0, 2, 2, 2, -1, 1])
        var o = ScoreOptions()
        o.resamples = 300
        o.jobs = 1
        let report = Scorer.score(d, options: o)
        let row = try XCTUnwrap(report.tasks.first?.rows.first { $0.condition == "assisted" })
        let rel = try XCTUnwrap(row.reliance)
        // Same six answers as `handCase` except ben's item 2: I = S = F = B (not item 5's case).
        XCTAssertEqual(rel[.agreement].n, 5)
        XCTAssertEqual(rel[.agreement].value ?? -1, 4.0 / 5, accuracy: 1e-12)   // ana 0, 2; ben 0, 2
        XCTAssertEqual(rel[.switchRate].value ?? -1, 4.0 / 6, accuracy: 1e-12)  // ana 0, 2; ben 0, 1
        XCTAssertEqual(rel[.rsr].n, 3)                                          // ana 1, 2; ben 0
        XCTAssertEqual(rel[.rsr].value ?? -1, 1.0 / 3, accuracy: 1e-12)
        XCTAssertEqual(rel[.rair].n, 1)
        XCTAssertEqual(rel[.underReliance].n, 1)
        XCTAssertEqual(rel[.underReliance].value, 0)
        XCTAssertNotNil(rel[.agreement].ci95)
        // Per participant, without intervals.
        let ben = try XCTUnwrap(report.participantRows.first { $0.id == "ben" && $0.condition == .assisted })
        XCTAssertEqual(ben.reliance?[.agreement].n, 2)
        XCTAssertEqual(ben.reliance?[.agreement].value, 1)
        XCTAssertNil(ben.reliance?[.agreement].ci95)
        XCTAssertNil(ben.reliance?[.rair].value, "ben has no (initial wrong, stance right) question")
        // The outputs carry it.
        let json = JSONRenderer.render(report)
        XCTAssertTrue(json.contains("\"reliance\": {"), json)
        XCTAssertTrue(json.contains("\"switch_to_stance\""))
        XCTAssertTrue(json.contains("\"confidence_shift\": {"))
        // The confidence shift has its own value and n beside the right / wrong split.
        let parsed = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let tasks = try XCTUnwrap(parsed["tasks"] as? [[String: Any]])
        let rows = tasks.flatMap { ($0["rows"] as? [[String: Any]]) ?? [] }
        let shift = try XCTUnwrap(rows.compactMap { ($0["reliance"] as? [String: Any])?["confidence_shift"] as? [String: Any] }.first)
        XCTAssertNotNil(shift["n"] as? Int)
        XCTAssertTrue(shift.keys.contains("value"))
        XCTAssertNotNil(shift["right"] as? [String: Any])
        let text = TextRenderer.render(report)
        XCTAssertTrue(text.contains("Reliance"), text)
        XCTAssertTrue(text.contains("Reliance per participant"), text)
        let html = HTMLRenderer.render(report)
        XCTAssertTrue(html.contains("Initial vs final accuracy by the stance"), html)
        XCTAssertTrue(html.contains("data-bar=\"initial\""))
        let csv = RelianceCSV.render(report)
        XCTAssertTrue(csv.hasPrefix("scope,task,label,participant,measure,value,n,ci_low,ci_high\r\n"))
        XCTAssertTrue(csv.contains("participant,mmlu,assisted,ben,rair,,0,,\r\n"), csv)
        let answersCSV = CSVWriter.render(d)
        XCTAssertTrue(answersCSV.split(separator: "\r\n").first?.hasSuffix("initial_chosen,initial_confidence,stance") ?? false)
        XCTAssertTrue(answersCSV.contains(",B,42,A\r\n"), answersCSV)
        XCTAssertTrue(answersCSV.contains(",C,42,none\r\n"), answersCSV)
    }

    /// Under consultancy the stance is the option the consultant was assigned (question_shown's
    /// roles), with no stance file; debate has no single stance.
    func testConsultancyStanceIsTheAssignedOption() throws {
        for p in ["p1", "p2"] {
            try FixtureStudy.writeLog(dir.appendingPathComponent("\(p).jsonl"),
                                      ProtocolScoringTests.events(p).enumerated().map { ($1, Int64($0) * 100) })
        }
        // A stance file naming another option for a consultancy question does not override it.
        try writeStances("stance-hand.jsonl", [StanceRecord(participant: "p1", questionID: "q2", stance: 3, method: "hand",
                                                            model: nil)])
        let inputs = try DatasetLoader.discover(path: dir.path)
        var d = DatasetLoader.load(logs: inputs.logs, baselines: [], jobs: 1)
        try StanceLoader.apply(paths: inputs.stances, to: &d)
        var o = ScoreOptions()
        o.resamples = 200
        o.jobs = 1
        let t = try XCTUnwrap(Scorer.score(d, options: o).tasks.first)
        let c = try XCTUnwrap(t.rows.first { $0.condition == "consultancy" }?.reliance)
        // p1 q2: S = B = gold, F = B; p1 q3: S = A ≠ gold C, F = A; p2 q2: F = B; p2 q3: F = C.
        XCTAssertEqual(c[.agreement].n, 4)
        XCTAssertEqual(c[.agreement].value, 0.75)
        XCTAssertEqual(c[.overReliance].n, 2)
        XCTAssertEqual(c[.overReliance].value, 0.5)
        XCTAssertEqual(c[.underReliance].n, 2)
        XCTAssertEqual(c[.underReliance].value, 0)
        XCTAssertNil(c[.switchRate].value, "no initial answers here")
        XCTAssertEqual(c[.switchRate].n, 0)
        XCTAssertNil(t.rows.first { $0.condition == "debate" }?.reliance)
    }

    func testConflictingStanceFilesWarnAndTheFirstWins() throws {
        try writeLog("ana", [(0, 1, 0)])
        try writeStances("stance-a.jsonl", [StanceRecord(participant: "ana", questionID: "mmlu/virology/val/0", stance: 0,
                                                         method: "model", model: "m")])
        try writeStances("stance-b.jsonl", [StanceRecord(participant: "ana", questionID: "mmlu/virology/val/0", stance: 3,
                                                         method: "hand", model: nil)])
        let inputs = try DatasetLoader.discover(path: dir.path)
        var d = DatasetLoader.load(logs: inputs.logs, baselines: [], jobs: 1)
        try StanceLoader.apply(paths: inputs.stances, to: &d)
        XCTAssertEqual(d.answers.first?.stance, 0)
        XCTAssertEqual(d.warnings.filter { $0.kind == .stance }.count, 1)
    }

    func testMalformedStanceLinesNameFileAndLine() throws {
        let path = dir.appendingPathComponent("stance-hand.jsonl").path
        let good = StanceRecord(participant: "ana", questionID: "q", stance: 1, method: "hand", model: nil).line()
        let lines = [good, "{\"participant\":\"ana\",\"question_id\":\"q\",\"stance\":4,\"method\":\"hand\",\"model\":null}",
                     "not json", "{\"participant\":\"ana\",\"question_id\":\"q\",\"method\":\"hand\",\"model\":null}",
                     "{\"participant\":\"ana\",\"question_id\":\"q\",\"stance\":true,\"method\":\"hand\",\"model\":null}",
                     "{\"participant\":\"ana\",\"question_id\":\"q\",\"stance\":1,\"method\":\"hand\",\"model\":null,\"x\":1}",
                     good]
        try Data(lines.joined(separator: "\n").utf8).write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try StanceFile.read(path: path)) { e in
            let errors = (e as? InputErrors)?.errors.map(\.description) ?? []
            XCTAssertEqual(errors, [
                "\(path):2: \"stance\" must be 0, 1, 2, 3 or null, not 4",
                "\(path):3: not a JSON object",
                "\(path):4: missing key \"stance\"",
                "\(path):5: \"stance\" must be 0, 1, 2, 3 or null",
                "\(path):6: unknown key \"x\"",
            ])
        }
        // A record reads back what it wrote, null stance and model included.
        let r = StanceRecord(participant: "p-1", questionID: "20001_Q1", stance: nil, method: "model", model: "qwen \"2\"")
        XCTAssertEqual(try StanceFile.parse(Data(r.line().utf8), path: "x"), [r])
    }
}
